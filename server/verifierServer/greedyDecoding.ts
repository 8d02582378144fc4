import type { Token } from "node-llama-cpp";
import type { NextTokenPrediction, PredictionNeed, VerifierSlot } from "./verifierSlot.js";

export interface GreedyDecodingOptions {
  prompt: readonly Token[];
  /** Most tokens to generate; 0 only evaluates the prompt (echo). */
  maxTokens: number;
  /**
   * A guess at the continuation (predicted output). It is evaluated with the prompt in the
   * same batch; its longest prefix that greedy decoding would produce is taken as is, and
   * decoding continues token by token after the first mismatch. It never changes the output.
   */
  draft?: readonly Token[];
  /**
   * Keep logprobs at prompt positions from this one on (the prediction at position p scores
   * prompt token p + 1): 0 for echo + logprobs, SGLang's `logprob_start_len` for /generate.
   * Default: none, so no full-vocabulary probabilities are computed in the prompt.
   */
  promptLogprobsFrom?: number;
  /** Keep logprobs at every generated position. */
  outputLogprobs?: boolean;
  /** End-of-generation tokens stop decoding and are not part of the output. */
  isEndOfGeneration(token: Token): boolean;
  /**
   * Leave the cache as it is after decoding instead of cutting it to prompt + output: a batch of
   * prompts that are prefixes of each other (prefix-probe) is served longest first from one
   * evaluation, and the next round reuses the longest. Default false.
   */
  retainCache?: boolean;
  /** Asked after every generated token (stop sequences). */
  shouldStop?(output: readonly Token[]): boolean;
  /** Told, once the prompt is in the cache, how many of its tokens were there already (a stream's usage says it before the end). */
  onPromptCached?(cachedTokens: number): void;
  signal?: AbortSignal;
}

export type GreedyStopReason = "length" | "endOfGeneration" | "stopSequence";

export interface GreedyDecodingResult {
  /** `promptPredictions[i]`: the prediction after prompt[0..i] (computed only where it was needed). */
  promptPredictions: (NextTokenPrediction | undefined)[];
  output: Token[];
  /** `outputPredictions[j]`: the prediction that produced output[j] (its argmax is output[j]). */
  outputPredictions: NextTokenPrediction[];
  stopReason: GreedyStopReason;
  /** The end-of-generation token that ended decoding (not in `output`), when one did. */
  endOfGenerationToken?: Token;
  /** Prompt tokens whose KV (and needed predictions) came from the slot's cache. */
  cachedTokens: number;
  acceptedDraftTokens: number;
  /** Draft tokens not in the output (after the first mismatch, or beyond maxTokens). */
  rejectedDraftTokens: number;
}

/**
 * Greedy decoding on one slot, exact by construction: every output token is the argmax of a
 * position evaluated (now or by an earlier request, same tokens) in this slot's KV cache. The
 * prompt's uncached tail and the draft go through ONE batched evaluation; then one token per
 * evaluation. Afterwards the slot's cache holds exactly prompt + output (minus the last
 * generated token, which was never evaluated), so the next request's prefix reuse is exact.
 */
export async function decodeGreedy(slot: VerifierSlot, options: GreedyDecodingOptions): Promise<GreedyDecodingResult> {
  const { prompt, maxTokens, signal } = options;
  const n = prompt.length;
  const fullDraft = options.draft ?? [];
  const draft = fullDraft.slice(0, maxTokens);
  // Verifying draft[j] needs the prediction after draft[j-1]; the last draft token compared
  // need not be evaluated unless a bonus token is wanted after it.
  const evaluatedDraft = draft.slice(0, Math.max(0, Math.min(draft.length, maxTokens - 1)));
  const tokens = [...prompt, ...evaluatedDraft];

  // The prediction after the whole prompt is kept even with maxTokens 0 (one position, cheap),
  // with logprobs when the prompt has them: the same prompt asked again with maxTokens ≥ 1 is
  // then served entirely from the cache.
  const promptLogprobsFrom = options.promptLogprobsFrom ?? Infinity;
  const outputNeed: PredictionNeed = options.outputLogprobs || promptLogprobsFrom < n ? "logprobs" : "token";
  const needAt = (position: number): PredictionNeed => (position >= n - 1 ? outputNeed : position >= promptLogprobsFrom ? "logprobs" : "none");

  signal?.throwIfAborted();
  const reused = slot.reusableLength(tokens, needAt);
  // A cache that holds all of `tokens` keeps what follows too: if it is the greedy
  // continuation (an earlier identical request), the loop below reads it instead of decoding.
  if (reused < tokens.length) await slot.truncate(reused);
  await slot.evaluate(tokens.slice(reused), needAt);
  options.onPromptCached?.(Math.min(reused, n));
  const promptPredictions = prompt.map((_, position) => slot.prediction(position));

  const output: Token[] = [];
  const outputPredictions: NextTokenPrediction[] = [];
  let acceptedDraftTokens = 0;
  let draftPending = draft.length > 0;
  let stopReason: GreedyStopReason = "length";
  let endOfGenerationToken: Token | undefined;
  while (output.length < maxTokens) {
    // The prediction at `position` produces output[output.length]; the token there is the last output.
    const position = n - 1 + output.length;
    if (output.length > 0 && slot.tokens.length > position) {
      const cached = slot.tokens[position] === output[output.length - 1] && slot.prediction(position) !== undefined;
      // A rejected draft token (or a cached continuation without the logprobs now asked for) goes.
      if (!cached || (outputNeed === "logprobs" && !slot.prediction(position)?.top)) await slot.truncate(position);
    }
    if (slot.tokens.length === position) {
      signal?.throwIfAborted();
      await slot.evaluate([output[output.length - 1]], needAt);
    }
    const prediction = slot.prediction(position);
    if (!prediction) throw new Error(`no prediction at position ${position} of slot ${slot.index}`);
    if (options.isEndOfGeneration(prediction.token)) {
      stopReason = "endOfGeneration";
      endOfGenerationToken = prediction.token;
      break;
    }
    if (draftPending) {
      if (output.length < draft.length && draft[output.length] === prediction.token) acceptedDraftTokens++;
      else draftPending = false;
    }
    output.push(prediction.token);
    outputPredictions.push(prediction);
    if (options.shouldStop?.(output)) {
      stopReason = "stopSequence";
      break;
    }
  }
  // Rejected or unused draft positions leave the cache, so it mirrors prompt + output exactly.
  if (!options.retainCache) await slot.truncate(slot.commonPrefixLength([...prompt, ...output]));
  return {
    promptPredictions,
    output,
    outputPredictions,
    stopReason,
    endOfGenerationToken,
    cachedTokens: Math.min(reused, n),
    acceptedDraftTokens,
    rejectedDraftTokens: fullDraft.length - acceptedDraftTokens,
  };
}

/**
 * Makes the slot hold `tokens` with the predictions `needAt` asks for, reusing what it has: one
 * evaluation of what is missing. A batch of prompts that are prefixes of the longest then reads
 * every answer from the cache. Returns how many tokens the slot already served.
 */
export async function prefetchPredictions(slot: VerifierSlot, tokens: readonly Token[], needAt: (position: number) => PredictionNeed, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted();
  const reused = slot.reusableLength(tokens, needAt);
  if (reused === tokens.length) return reused;
  await slot.truncate(reused);
  await slot.evaluate(tokens.slice(reused), needAt);
  return reused;
}
