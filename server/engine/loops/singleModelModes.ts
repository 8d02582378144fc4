import type { Token } from "node-llama-cpp";
import type { CompletionStopReason } from "../../completionContract.js";
import type { Drafter } from "../../drafter/drafter.js";
import type { VerifierClient } from "../../verifier/verifierClient.js";
import { tokenLoopResult, type LoopInput, type LoopResult } from "./loopTypes.js";

/** Tokens the drafter-only mode generates between stop-rule checks. */
export const DRAFTER_ONLY_CHUNK = 8;

/**
 * Verifier-only (K = 0), the baseline speculation must equal: one greedy `/v1/completions`
 * call, with token ids when the tokenizer is shared, text otherwise.
 */
export async function runVerifierOnly(input: LoopInput & { client: VerifierClient; sendTokenIds: boolean }): Promise<LoopResult> {
  const { client, prompt, maxTokens, signal, meter } = input;
  const generation = await client.generate({ prompt: input.sendTokenIds ? prompt.tokens : prompt.text, maxTokens, signal });
  meter.addVerifierCall(generation.stats);
  const tokens = generation.stats.usage.completionTokens;
  return { text: generation.text, tokens, stopReason: generation.stopReason === "stop" ? "eos" : "maxTokens" };
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
