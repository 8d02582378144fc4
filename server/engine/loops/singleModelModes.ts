import type { Token } from "node-llama-cpp";
import type { CompletionStopReason } from "../../completionContract.js";
import type { Drafter } from "../../drafter/drafter.js";
import { streamGeneration, type StreamingEndpoint } from "../../verifier/streamingGeneration.js";
import { tokenLoopResult, type LoopInput, type LoopResult } from "./loopTypes.js";

/** Tokens the drafter-only mode generates between stop-rule checks. */
export const DRAFTER_ONLY_CHUNK = 8;

/**
 * Verifier-only (K = 0), the baseline speculation must equal: one greedy `/v1/completions`
 * call, streamed, with token ids when the tokenizer is shared, text otherwise. The stop rules
 * (the daemon's "first line done") are asked after every chunk, as the speculative loops ask
 * them after every round, so a suggestion shows as soon as its first line arrives; the stream
 * is then closed and the rest of the block is the daemon's background continuation's.
 */
export async function runVerifierOnly(input: LoopInput & { client: StreamingEndpoint; sendTokenIds: boolean }): Promise<LoopResult> {
  const { client, prompt, maxTokens, signal, meter } = input;
  const generation = await streamGeneration(client, { prompt: input.sendTokenIds ? prompt.tokens : prompt.text, maxTokens, signal, shouldStop: input.shouldStop });
  // A stream closed early never got its usage chunk: the prompt (as the drafter counts it, when
  // there is one) and a token per chunk were billed.
  const usage = generation.usage ?? { promptTokens: prompt.tokens.length, cachedTokens: 0, completionTokens: generation.chunks };
  meter.addVerifierCall({ ...generation.timing, usage });
  const stopReason = generation.stopReason === "stopRule" ? "stopRule" : generation.stopReason === "stop" ? "eos" : "maxTokens";
  return { text: generation.text, tokens: generation.usage?.completionTokens ?? generation.chunks, stopReason };
}

/** Drafter-only: the drafter's own greedy text, unverified (a baseline, and a degraded mode users may allow). */
export async function runDrafterOnly(input: LoopInput & { drafter: Drafter; documentKey: string }): Promise<LoopResult> {
  const { drafter, prompt, maxTokens, signal, meter } = input;
  const output: Token[] = [];
  const finish = (stopReason: CompletionStopReason): LoopResult => tokenLoopResult(drafter, prompt, output, stopReason);
  while (output.length < maxTokens) {
    const chunk = Math.min(DRAFTER_ONLY_CHUNK, maxTokens - output.length);
    const draft = await drafter.draft(input.documentKey, [...prompt.tokens, ...output], chunk, signal);
    meter.addDraftMs(draft.tokenMs);
    const endAt = draft.tokens.findIndex((token) => drafter.isEndOfGeneration(token));
    if (endAt >= 0) {
      output.push(...draft.tokens.slice(0, endAt));
      return finish("eos");
    }
    output.push(...draft.tokens);
    if (draft.tokens.length === 0) return finish("eos");
    if (input.shouldStop?.(drafter.textAfter(output, prompt.tokens))) return finish("stopRule");
  }
  return finish("maxTokens");
}
