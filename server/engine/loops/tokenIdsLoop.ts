import type { Token } from "node-llama-cpp";
import type { CompletionStopReason } from "../../completion/completionSource.js";
import { tokenLoopResult, type LoopResult, type SpeculativeLoopInput } from "./loopTypes.js";

/**
 * The lossless draft–verify loop when drafter and verifier share a tokenizer (logprobs
 * protocol, token ids both ways). Each round: draft k tokens after prompt + output, one echoed
 * `/v1/completions` call judges them all, keep the longest prefix the verifier agrees with plus
 * its own next token (the correction, or the bonus when all were kept). The verifier's greedy
 * choice decides every kept token, so the output is what it alone would have generated.
 * (Leviathan et al., "Fast Inference from Transformers via Speculative Decoding", 2023, greedy case.)
 */
export async function runTokenIdsLoop(input: SpeculativeLoopInput): Promise<LoopResult> {
  const { drafter, client, prompt, maxTokens, signal, meter } = input;
  const output: Token[] = [];
  const finish = (stopReason: CompletionStopReason): LoopResult => tokenLoopResult(drafter, prompt, output, stopReason);

  while (output.length < maxTokens) {
    signal.throwIfAborted();
    const context = [...prompt.tokens, ...output];
    // The round's own token (correction or bonus) always comes on top of the draft.
    const k = Math.min(input.k, maxTokens - output.length - 1);
    const draft = k > 0 ? await drafter.draft(input.documentKey, context, k, signal) : { tokens: [], tokenMs: [] };
    const verdict = await client.verifyDraftTokenIds({ prompt: context, draft: draft.tokens, signal });
    meter.addRound(draft.tokenMs, draft.tokens.length, verdict.accepted, verdict.stats);

    const kept = draft.tokens.slice(0, verdict.accepted);
    const endAt = kept.findIndex((token) => drafter.isEndOfGeneration(token));
    if (endAt >= 0) {
      output.push(...kept.slice(0, endAt));
      return finish("eos");
    }
    output.push(...kept);
    const next = verdict.nextToken;
    if (next === undefined) {
      // Nothing after the echo: end of generation, or the verifier's context is full.
      return finish(verdict.stopReason === "stop" ? "eos" : "maxTokens");
    }
    if (drafter.isEndOfGeneration(next.id as Token)) return finish("eos");
    output.push(next.id as Token);
    if (input.shouldStop?.(drafter.textAfter(output, prompt.tokens))) return finish("stopRule");
  }
  return finish("maxTokens");
}
