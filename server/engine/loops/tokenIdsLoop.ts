import type { Token } from "node-llama-cpp";
import type { CompletionStopReason } from "../../completionContract.js";
import { tokenLoopResult, type LoopResult, type TokenIdsLoopInput } from "./loopTypes.js";

const run = <T>(task: () => Promise<T>) => task();

/**
 * The lossless draft–verify loop when drafter and verifier share a tokenizer (token ids both
 * ways, any token protocol). Each round: draft k tokens after prompt + output, one verifier call
 * gives its argmax at every draft position, keep the longest prefix the verifier agrees with plus
 * its own next token (the correction, or the bonus when all were kept). The verifier's greedy
 * choice decides every kept token, so the output is what it alone would have generated.
 * (Leviathan et al., "Fast Inference from Transformers via Speculative Decoding", 2023, greedy case.)
 * The profiler walks its rounds through `hooks`, so a profile describes this loop and no copy.
 */
export async function runTokenIdsLoop(input: TokenIdsLoopInput): Promise<LoopResult> {
  const { drafter, verifier, prompt, maxTokens, signal, meter } = input;
  const { kOf = () => input.k, aroundDraft = run, aroundVerify = run, onRound } = input.hooks ?? {};
  const output: Token[] = [];
  const finish = (stopReason: CompletionStopReason): LoopResult => tokenLoopResult(drafter, prompt, output, stopReason);

  for (let round = 0; output.length < maxTokens; round++) {
    signal.throwIfAborted();
    const asked = kOf(round);
    if (asked === undefined) return finish("maxTokens");
    const context = [...prompt.tokens, ...output];
    // The round's own token (correction or bonus) always comes on top of the draft.
    const k = Math.min(asked, maxTokens - output.length - 1);
    const draftStarted = performance.now();
    const draft = k > 0 ? await aroundDraft(() => drafter.draft(input.documentKey, context, k, signal)) : { tokens: [], tokenMs: [], evaluatedContextTokens: 0 };
    const verifyStartMs = performance.now();
    const verdict = await aroundVerify(() => verifier.verifyDraft({ context, draft: draft.tokens, signal }));
    meter.addRound(draft.tokenMs, draft.tokens.length, verdict.accepted, verdict.stats);
    onRound?.({
      k,
      drafted: draft.tokens.length,
      accepted: verdict.accepted,
      contextTokens: context.length,
      drafterCatchUpTokens: draft.evaluatedContextTokens,
      tokenMs: draft.tokenMs,
      draftCallMs: k > 0 ? verifyStartMs - draftStarted : 0,
      verifyStartMs,
      verifyEndMs: performance.now(),
      stats: verdict.stats,
    });

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
    if (drafter.isEndOfGeneration(next as Token)) return finish("eos");
    output.push(next as Token);
    if (input.shouldStop?.(drafter.textAfter(output, prompt.tokens))) return finish("stopRule");
  }
  return finish("maxTokens");
}
