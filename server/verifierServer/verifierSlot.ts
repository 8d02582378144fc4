import { setTimeout as sleep } from "node:timers/promises";
import type { ControlledEvaluateInputItem, ControlledEvaluateIndexOutput, LlamaContextSequence, Token } from "node-llama-cpp";
import { canonicalBlocks, checkBlockLevels, DEFAULT_VERIFIER_BLOCK_LEVELS, type PredictionState, predictionStates, sharedKvLength } from "./canonicalBlocks.js";
import { MAX_LOGPROBS } from "./requestSchemas.js";
import { CodePointOffsetMirror } from "./tokenText.js";

/** What a position must yield: nothing (KV only), the argmax next token, or argmax plus logprobs. */
export type PredictionNeed = "none" | "token" | "logprobs";

export interface TokenLogprob {
  token: Token;
  /** Natural log of the probability (softmax of the raw logits); -Infinity when it underflows. */
  logprob: number;
}

/** The verifier's next-token prediction after the tokens up to and including one position. */
export interface NextTokenPrediction {
  /** The greedy (argmax) next token. */
  token: Token;
  /** The most likely next tokens, best first; present when the position was evaluated with probabilities. */
  top?: readonly TokenLogprob[];
  /** The logprob of the token that followed the position when it was evaluated, when not in `top`. */
  follower?: TokenLogprob;
}

/** The logprob the prediction gives `token`, if it was kept. */
export function logprobOf(prediction: NextTokenPrediction | undefined, token: Token): number | undefined {
  const kept = prediction?.top?.find((entry) => entry.token === token) ?? (prediction?.follower?.token === token ? prediction.follower : undefined);
  return kept?.logprob;
}

function satisfies(prediction: NextTokenPrediction | undefined, need: PredictionNeed, follower: Token | undefined): boolean {
  if (need === "none") return true;
  if (!prediction) return false;
  if (need === "token") return true;
  if (!prediction.top) return false;
  return follower === undefined || logprobOf(prediction, follower) !== undefined;
}

function toPrediction(output: ControlledEvaluateIndexOutput | undefined, follower: Token | undefined): NextTokenPrediction | undefined {
  const token = output?.next.token;
  if (token == null) return undefined;
  const probabilities = output?.next.probabilities;
  if (!probabilities) return { token };
  // The map is sorted best first; only the head and the follower are kept, never the whole vocabulary.
  const top: TokenLogprob[] = [];
  for (const [candidate, probability] of probabilities) {
    if (top.length === MAX_LOGPROBS) break;
    top.push({ token: candidate, logprob: Math.log(probability) });
  }
  const prediction: NextTokenPrediction = { token, top };
  if (follower !== undefined && !top.some((entry) => entry.token === follower)) {
    prediction.follower = { token: follower, logprob: Math.log(probabilities.get(follower) ?? 0) };
  }
  return prediction;
}

/**
 * One sequence of the verifier's context with a mirror of what its KV cache holds: the
 * evaluated tokens (a cut can leave the KV of the last few to the next evaluation, see
 * {@link truncate}), and per position the prediction computed there (argmax, and logprobs when
 * they were asked for). The mirror is what makes prefix reuse exact: a later request reuses
 * a position only if its tokens match and the prediction kept there answers what it needs.
 */
export class VerifierSlot {
  private readonly evaluated: Token[] = [];
  private readonly predictions: (NextTokenPrediction | undefined)[] = [];
  /** Leading positions of `evaluated` whose KV the cache holds, computed as canonicalBlocks(cachedLength) says; the rest waits for the next evaluation. */
  private cachedLength = 0;
  /** Where each token's text started in the last response served from this slot (reused by prefix). */
  readonly textOffsets = new CodePointOffsetMirror();
  /** Release order, for least-recently-used tie breaks. */
  lastReleasedAt = 0;

  constructor(
    readonly index: number,
    /** The only sequence of this slot's own context: no other slot's tokens share its decodes or KV cells. */
    private readonly sequence: LlamaContextSequence,
    /** Tokens a request may use (prompt + completion); the context itself is rounded up to whole blocks. */
    readonly contextSize: number,
    /** Emulated extra latency per forward pass (see VerifierServerOptions.stepDelayMs). */
    private readonly stepDelayMs = 0,
    /** Sizes of the canonical decodes, smallest first (see {@link evaluate}). Default {@link DEFAULT_VERIFIER_BLOCK_LEVELS}. */
    readonly blockLevels: readonly number[] = DEFAULT_VERIFIER_BLOCK_LEVELS,
  ) {
    checkBlockLevels(blockLevels);
  }

  /** The evaluated tokens, in order. */
  get tokens(): readonly Token[] {
    return this.evaluated;
  }

  /** The prediction after the tokens up to and including `position`, if it was computed. */
  prediction(position: number): NextTokenPrediction | undefined {
    return this.predictions[position];
  }

  commonPrefixLength(tokens: readonly Token[]): number {
    const limit = Math.min(tokens.length, this.evaluated.length);
    let i = 0;
    while (i < limit && tokens[i] === this.evaluated[i]) i++;
    return i;
  }

  /**
   * How much of `tokens` this slot serves as it is: the common prefix, cut at the first
   * position whose kept prediction does not answer `needAt(position)` (that position's
   * token must then be evaluated again to get it).
   */
  reusableLength(tokens: readonly Token[], needAt: (position: number) => PredictionNeed): number {
    const common = this.commonPrefixLength(tokens);
    for (let position = 0; position < common; position++) {
      if (!satisfies(this.predictions[position], needAt(position), tokens[position + 1])) return position;
    }
    return common;
  }

  /** Drops the mirror from `length` on, and the KV the cache for `length` tokens would not have computed the same way. */
  async truncate(length: number): Promise<void> {
    if (length >= this.evaluated.length) return;
    this.evaluated.length = length;
    this.predictions.length = length;
    await this.guard(() => this.eraseFrom(sharedKvLength(this.cachedLength, length, this.blockLevels)));
    await this.checkMirror();
  }

  /**
   * Appends `tokens` to the KV cache, computing at each position only what `needAt(position)`
   * asks for (full-vocabulary probabilities cost a sort and a copy).
   *
   * Batch-invariant by construction: llama.cpp's numerics at a position depend on the shape of
   * the decode that computed it and of those that computed the KV before it (1 vs ≥ 2 tokens or
   * outputs, the KV length, the batch split; scripts/probe/batchInvariance.ts), so a near-tie's
   * argmax could follow the cache's history or a neighbour's load. Here the cache for n tokens
   * always holds the KV that canonicalBlocks(n) computes: whole aligned blocks, large ones for a
   * long prefix and small ones for the tail, the last padded and erased afterwards, with at least
   * two outputs each. A block that a longer cache computes differently (a large block becoming
   * complete, a padded one getting its tokens) is evaluated again as that cache's block. A
   * prediction is read from the cache holding exactly the tokens up to its position, the way
   * one-token-at-a-time generation reads it. So a position's numbers depend only on its tokens,
   * never on what was cached, how the request was split, or what other slots do.
   */
  async evaluate(tokens: readonly Token[], needAt: (position: number) => PredictionNeed): Promise<void> {
    if (tokens.length === 0) return;
    const start = this.evaluated.length;
    const all = [...this.evaluated, ...tokens];
    const needed = tokens.map((_, i) => start + i).filter((position) => needAt(position) !== "none");
    const found: (NextTokenPrediction | undefined)[] = Array.from({ length: tokens.length });
    await this.guard(async () => {
      for (const state of predictionStates(needed, all.length, this.blockLevels)) {
        const outputs = await this.computeUpTo(all, state, needAt);
        for (const position of state.reads) found[position - start] = toPrediction(outputs[position], all[position + 1]);
      }
    });
    this.evaluated.push(...tokens);
    this.predictions.push(...found);
    if (this.stepDelayMs > 0) await sleep(this.stepDelayMs);
    await this.checkMirror();
  }

  /** Makes the cache hold the canonical KV of all[0, state.length); returns the outputs of its last block, by position. */
  private async computeUpTo(all: readonly Token[], state: PredictionState, needAt: (position: number) => PredictionNeed): Promise<(ControlledEvaluateIndexOutput | undefined)[]> {
    const { length, reads } = state;
    const kept = sharedKvLength(this.cachedLength, length, this.blockLevels);
    await this.eraseFrom(kept);
    const blocks = canonicalBlocks(length, this.blockLevels).filter((block) => block.start >= kept);
    const outputs: (ControlledEvaluateIndexOutput | undefined)[] = [];
    for (const [index, block] of blocks.entries()) {
      const last = index === blocks.length - 1;
      const known = Math.min(length, block.start + block.size) - block.start;
      // Padding repeats the last known token; its positions come after every real one, so (causal attention) nothing real sees them.
      const input: ControlledEvaluateInputItem[] = Array.from({ length: block.size }, (_, i) => {
        const position = block.start + i;
        const token = i < known ? all[position] : all[length - 1];
        const need = last && reads.includes(position) ? needAt(position) : "none";
        // The last two items always yield a token: one output and two take different kernels.
        if (need === "none" && i < block.size - 2) return token;
        return [token, { generateNext: { token: true, probabilities: need === "logprobs" } }];
      });
      const blockOutputs = await this.sequence.controlledEvaluate(input);
      this.cachedLength = block.start + block.size;
      if (known < block.size) await this.eraseFrom(length);
      if (last) blockOutputs.forEach((output, i) => (outputs[block.start + i] = output));
    }
    return outputs;
  }

  /** Erases the KV from `length` on. */
  private async eraseFrom(length: number): Promise<void> {
    if (length >= this.cachedLength) return;
    await this.sequence.eraseContextTokenRanges([{ start: length, end: this.cachedLength }]);
    this.cachedLength = length;
  }

  /** Empties the KV cache: after a failed evaluation the cache's contents are unknown. */
  async reset(): Promise<void> {
    this.evaluated.length = 0;
    this.cachedLength = 0;
    this.predictions.length = 0;
    if (!this.sequence.disposed) await this.sequence.clearHistory();
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      await this.reset().catch(() => undefined);
      throw error;
    }
  }

  /** The mirror must equal the cache; if node-llama-cpp ever shifted or dropped tokens, start over. */
  private async checkMirror(): Promise<void> {
    if (this.sequence.nextTokenIndex !== this.cachedLength || this.cachedLength > this.evaluated.length) {
      const found = this.sequence.nextTokenIndex;
      const expected = this.cachedLength;
      await this.reset().catch(() => undefined);
      throw new Error(`verifier slot ${this.index} lost track of its KV cache: expected ${expected} tokens, found ${found}`);
    }
  }
}
