import type { CompletionStopReason } from "../../completionContract.js";
import type { LoopResult, TextLoopInput } from "./loopTypes.js";

/**
 * The draft–verify loop in text for a verifier with its own tokenizer:
 * the draft travels as text, the verifier re-tokenizes prompt + output + draft its own way and
 * judges its tokens inside the draft. Output length is counted in verifier tokens.
 *
 * Exactness holds as long as the verifier tokenizes the text it generated the way it generated
 * it (true for the usual BPE/SPM tokenizers on ordinary code). Where the verifier's tokens of
 * output + draft straddle the end of the output (`nextTextOverlap` > 0), the verdict judged the
 * output's own tail, not the draft: the verifier's next token then comes from one more call
 * with no draft, on exactly the text verifier-only would continue.
 */
export async function runTextLoop(input: TextLoopInput): Promise<LoopResult> {
  const { drafter, verifier, prompt, maxTokens, signal, meter } = input;
  let output = "";
  let tokens = 0;
  const finish = (stopReason: CompletionStopReason): LoopResult => ({ text: output, tokens, stopReason });

  while (tokens < maxTokens) {
    signal.throwIfAborted();
    const k = Math.min(input.k, maxTokens - tokens - 1);
    const context = [...prompt.tokens, ...drafter.tokenize(output)];
    const draft = k > 0 ? await drafter.draft(input.documentKey, context, k, signal) : { tokens: [], tokenMs: [] };
    const endAt = draft.tokens.findIndex((token) => drafter.isEndOfGeneration(token));
    const draftTokens = endAt >= 0 ? draft.tokens.slice(0, endAt) : draft.tokens;
    const draftText = drafter.textAfter(draftTokens, context);
    const verdict = await verifier.verifyText({ prompt: prompt.text + output, draft: draftText, signal });
    meter.addRound(draft.tokenMs, draft.tokens.length, verdict.acceptedTokens, verdict.stats);

    output += verdict.acceptedText;
    tokens += verdict.acceptedTokens;
    const next = verdict.resync ? await verifier.verifyText({ prompt: prompt.text + output, draft: "", signal }) : verdict;
    if (next !== verdict) meter.addRound([], 0, 0, next.stats);
    if (next.nextTextSource === "none" || next.nextText === undefined) {
      return finish(next.stopReason === "stop" ? "eos" : "maxTokens");
    }
    // "" is the end-of-text bonus.
    if (next.nextText === "") return finish("eos");
    output += next.nextText;
    tokens += 1;
    if (input.shouldStop?.(output)) return finish("stopRule");
  }
  return finish("maxTokens");
}
