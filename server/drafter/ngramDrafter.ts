import type { Token } from "node-llama-cpp";
import { throwIfAborted } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { TokenizerBackedDrafter, type Draft, type Drafter } from "./drafter.js";
import { NGRAM_DRAFTER_ID } from "./drafterSpec.js";
import type { Tokenizer } from "./tokenizer.js";

export interface NgramDrafterOptions {
  /** The vocabulary it drafts in: the verifier's, so drafts travel as its token ids. */
  tokenizer: Tokenizer;
  /** Released with the drafter (the vocabulary-only model it was loaded from). */
  owned?: AsyncDisposable;
  /** Longest n-gram matched first. Default {@link DEFAULT_MAX_NGRAM}. */
  maxNgram?: number;
  /** Shortest n-gram still trusted. Default {@link DEFAULT_MIN_NGRAM}. */
  minNgram?: number;
  /** Most tokens of other documents and accepted completions kept. Default {@link DEFAULT_REFERENCE_TOKENS}. */
  referenceTokens?: number;
}

export const DEFAULT_MAX_NGRAM = 4;
export const DEFAULT_MIN_NGRAM = 2;
export const DEFAULT_REFERENCE_TOKENS = 200_000;

/** Where a match's continuation comes from: the tokens it lies in and where it starts. */
interface Continuation {
  tokens: readonly Token[];
  start: number;
}

/**
 * Model-free drafting by n-gram lookup (prompt lookup decoding): the last n tokens of the context
 * are searched for earlier in the context, then in reference text (other open documents, accepted
 * completions), and the tokens that followed the most recent match are the draft. Longest n
 * first, from `maxNgram` down to `minNgram`, as vLLM's `ngram` method; the most recent earlier
 * occurrence, as llama.cpp's `ngram-simple`. No match, no draft: the round is a plain decode.
 * The draft's length follows the match (never past what followed it), as `ngram-mod` varies K.
 */
export class NgramDrafter extends TokenizerBackedDrafter implements Drafter {
  readonly id = NGRAM_DRAFTER_ID;
  readonly threads = 1;
  readonly threadsAdjustable = false;
  readonly facts = { quantization: "none", parameters: 0, layers: 0, memoryBytes: 0 };
  readonly #maxNgram: number;
  readonly #minNgram: number;
  readonly #referenceBudget: number;
  /** Reference token runs by source (document uri, "accepted"), most recently added last. */
  readonly #references = new Map<string, Token[]>();
  #disposed = false;

  constructor(private readonly options: NgramDrafterOptions) {
    super(options.tokenizer);
    this.#maxNgram = options.maxNgram ?? DEFAULT_MAX_NGRAM;
    this.#minNgram = options.minNgram ?? DEFAULT_MIN_NGRAM;
    this.#referenceBudget = options.referenceTokens ?? DEFAULT_REFERENCE_TOKENS;
    if (!(this.#minNgram >= 1 && this.#maxNgram >= this.#minNgram)) throw new RangeError(`n-gram lengths must satisfy 1 ≤ min ≤ max, got ${this.#minNgram}..${this.#maxNgram}`);
  }

  /**
   * Text the drafter may draft from besides the context (another open document, an accepted
   * completion), replacing what `sourceKey` gave before; the oldest sources go past the budget.
   */
  addReference(sourceKey: string, text: string): void {
    this.#references.delete(sourceKey);
    if (text.length > 0) this.#references.set(sourceKey, this.tokenizer.tokenize(text));
    let total = 0;
    for (const tokens of this.#references.values()) total += tokens.length;
    for (const [key, tokens] of this.#references) {
      if (total <= this.#referenceBudget) break;
      this.#references.delete(key);
      total -= tokens.length;
    }
  }

  async draft(_documentKey: string, contextTokens: readonly Token[], k: number, signal?: AbortSignal): Promise<Draft> {
    if (this.#disposed) throw new DisposedError("the n-gram drafter");
    throwIfAborted(signal);
    const started = performance.now();
    const found = this.#lookup(contextTokens);
    const tokens: Token[] = [];
    if (found) {
      for (let i = found.start; i < found.tokens.length && tokens.length < k; i++) {
        const token = found.tokens[i];
        tokens.push(token);
        if (this.tokenizer.isEndOfGeneration(token)) break;
      }
    }
    const perToken = tokens.length > 0 ? (performance.now() - started) / tokens.length : 0;
    return { tokens, tokenMs: tokens.map(() => perToken), evaluatedContextTokens: 0 };
  }

  /** The continuation after the most recent earlier occurrence of the context's longest matching suffix n-gram. */
  #lookup(context: readonly Token[]): Continuation | undefined {
    const end = context.length;
    const newestFirst = [...this.#references.values()].reverse();
    for (let n = Math.min(this.#maxNgram, end - 1); n >= this.#minNgram; n--) {
      // In the context itself: an occurrence ending before the last token, so something follows it.
      const inContext = lastOccurrence(context, context, end - n, n, end - 1);
      if (inContext >= 0) return { tokens: context, start: inContext + n };
      for (const reference of newestFirst) {
        const at = lastOccurrence(reference, context, end - n, n, reference.length);
        if (at >= 0) return { tokens: reference, start: at + n };
      }
    }
    return undefined;
  }

  async forgetDocument(documentKey: string): Promise<void> {
    this.#references.delete(documentKey);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#references.clear();
    await this.options.owned?.[Symbol.asyncDispose]();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Start of the last occurrence in `haystack` of `needle[from, from + n)` that ends before
 * `endBefore` and has at least one token after it, or -1. A backward scan: contexts are a few
 * thousand tokens, and the most recent match is the one wanted.
 */
function lastOccurrence(haystack: readonly Token[], needle: readonly Token[], from: number, n: number, endBefore: number): number {
  const first = needle[from];
  for (let start = Math.min(endBefore, haystack.length - 1) - n; start >= 0; start--) {
    if (haystack[start] !== first) continue;
    let i = 1;
    while (i < n && haystack[start + i] === needle[from + i]) i++;
    if (i === n) return start;
  }
  return -1;
}
