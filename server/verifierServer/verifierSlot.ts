import { setTimeout as sleep } from "node:timers/promises";
import type { ControlledEvaluateInputItem, ControlledEvaluateIndexOutput, LlamaContextSequence, Token } from "node-llama-cpp";
import { MAX_LOGPROBS } from "./requestSchemas.js";
import { CodePointOffsetMirror } from "./tokenText.js";

/**
 * Positions per canonical decode (see {@link VerifierSlot.evaluate}). Every decode computes a
 * whole block, so a generated token costs this many positions, while a cold prompt pays a
 * fixed per-decode overhead per block. Measured at a 1,000-token context (block 2 / 4 / 8 / 16;
 * scripts/probe/blockSize.ts, a later run of it in bench/results/2026-12-02-quiet-run-2/),
 * the trained target: cold prefill 2.9 / 2.3 / 2.1 / 1.9 s, generation 10 / 18 / 30 / 52 ms per
 * token; the generated fixture's target: 2.2 / 1.4 / 1.1 / 0.8 s, 6 / 7 / 13 / 16 ms per token.
 * 4 is the balance for the model that writes code: 3x cheaper generation and verify rounds than
 * 16 for +20% cold prefill.
 */
export const DEFAULT_VERIFIER_BLOCK_TOKENS = 4;

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
 * evaluated tokens, and per position the prediction computed there (argmax, and logprobs when
 * they were asked for). The mirror is what makes prefix reuse exact: a later request reuses
 * a position only if its tokens match and the prediction kept there answers what it needs.
 */
export class VerifierSlot {
  private readonly evaluated: Token[] = [];
  private readonly predictions: (NextTokenPrediction | undefined)[] = [];
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
    /** Tokens per canonical block (see {@link evaluate}). Default {@link DEFAULT_VERIFIER_BLOCK_TOKENS}. */
    readonly blockTokens = DEFAULT_VERIFIER_BLOCK_TOKENS,
  ) {
    if (!Number.isInteger(blockTokens) || blockTokens < 2) throw new RangeError(`blockTokens must be an integer ≥ 2, got ${blockTokens}`);
  }

  /** The tokens in the KV cache, in order. */
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

  /** Drops the KV cache (and mirror) from `length` on. */
  async truncate(length: number): Promise<void> {
    if (length >= this.evaluated.length) return;
    await this.guard(() => this.sequence.eraseContextTokenRanges([{ start: length, end: this.evaluated.length }]));
    this.evaluated.length = length;
    this.predictions.length = length;
    await this.checkMirror();
  }

  /**
   * Appends `tokens` to the KV cache, computing at each position only what `needAt(position)`
   * asks for (full-vocabulary probabilities cost a sort and a copy).
   *
   * Batch-invariant by construction: llama.cpp's numerics at a position depend on the shape of
   * the decode that computed it and of those that computed the KV before it (1 vs ≥ 2 tokens or
   * outputs, the KV length, the batch split; scripts/probe/batchInvariance.ts), so a near-tie's
   * argmax could follow the cache's history or a neighbour's load. Here every decode is one
   * whole aligned block of positions [b, b + blockTokens): the block's cached tokens are
   * evaluated again with the new ones, positions past the known tokens are filled with a
   * padding token and erased afterwards, and at least two outputs are requested. A position's
   * numbers then depend only on the tokens up to its block's end, never on what was cached,
   * how the request was split, or what other slots do.
   */
  async evaluate(tokens: readonly Token[], needAt: (position: number) => PredictionNeed): Promise<void> {
    if (tokens.length === 0) return;
    const start = this.evaluated.length;
    const end = start + tokens.length;
    const all = [...this.evaluated, ...tokens];
    const blockStart = start - (start % this.blockTokens);
    await this.guard(async () => {
      if (blockStart < start) await this.sequence.eraseContextTokenRanges([{ start: blockStart, end: start }]);
      for (let block = blockStart; block < end; block += this.blockTokens) {
        const known = Math.min(end, block + this.blockTokens) - block;
        // Padding repeats the last known token; its positions come after every real one, so (causal attention) nothing real sees them.
        const input: ControlledEvaluateInputItem[] = Array.from({ length: this.blockTokens }, (_, i) => {
          const position = block + i;
          const token = i < known ? all[position] : all[block + known - 1];
          const need = i < known && position >= start ? needAt(position) : "none";
          // The last two items always yield a token: one output and two take different kernels.
          if (need === "none" && i < this.blockTokens - 2) return token;
          return [token, { generateNext: { token: true, probabilities: need === "logprobs" } }];
        });
        const outputs = await this.sequence.controlledEvaluate(input);
        if (known < this.blockTokens) await this.sequence.eraseContextTokenRanges([{ start: block + known, end: block + this.blockTokens }]);
        for (let i = 0; i < known; i++) {
          const position = block + i;
          if (position < start) continue; // cached: its kept prediction is what this evaluation gave again
          this.evaluated.push(all[position]);
          this.predictions.push(needAt(position) === "none" ? undefined : toPrediction(outputs[i], all[position + 1]));
        }
      }
    });
    if (this.stepDelayMs > 0) await sleep(this.stepDelayMs);
    await this.checkMirror();
  }

  /** Empties the KV cache: after a failed evaluation the cache's contents are unknown. */
  async reset(): Promise<void> {
    this.evaluated.length = 0;
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
    if (this.sequence.nextTokenIndex !== this.evaluated.length) {
      const found = this.sequence.nextTokenIndex;
      const expected = this.evaluated.length;
      await this.reset().catch(() => undefined);
      throw new Error(`verifier slot ${this.index} lost track of its KV cache: expected ${expected} tokens, found ${found}`);
    }
  }
}
