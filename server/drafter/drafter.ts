import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { loadModel, type LoadModelOptions } from "../modelFiles/modelLoader.js";
import type { FimMarkers } from "../prompt/fimDialect.js";
import { throwIfAborted } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { modelFacts, type DrafterFacts } from "./drafterFacts.js";
import { ModelTokenizer, type FimTokens, type Tokenizer } from "./tokenizer.js";

export type { FimTokens } from "./tokenizer.js";

/** Context window of the drafter's sequences; completions use bounded prompts well below it. */
export const DEFAULT_DRAFTER_CONTEXT_SIZE = 2048;
/** How many documents keep their own KV cache at once (least recently used is recycled). */
export const DEFAULT_DRAFTER_SEQUENCES = 4;

export interface ModelDrafterOptions extends LoadModelOptions {
  /** Name used in stats and the profile. */
  id: string;
  /** Local path or `hf:` URI. */
  uriOrPath: string;
  /** Default {@link DEFAULT_THREADS} (measured best on 2 vCPUs). */
  threads?: number;
  /** Default {@link DEFAULT_DRAFTER_CONTEXT_SIZE}. */
  contextSize?: number;
  /** Default {@link DEFAULT_DRAFTER_SEQUENCES}. */
  sequences?: number;
}

export interface Draft {
  tokens: Token[];
  /** Milliseconds spent producing each drafted token (the first includes prompt catch-up). */
  tokenMs: number[];
  /** Prompt tokens evaluated to catch up before drafting (0 when the KV cache covered it). */
  evaluatedContextTokens: number;
}

/**
 * A drafter model with one KV-cached sequence per document: each request only evaluates
 * what changed since the last one (`adaptStateToTokens` erases from the first difference).
 */
/**
 * What drafts K tokens after a context, in a tokenizer's ids: a small model, or a model-free
 * index of what the documents already say. Every loop, profiler step and selector rule works
 * through this interface only.
 */
export interface Drafter extends Tokenizer, AsyncDisposable {
  /** Name used in stats and the profile. */
  readonly id: string;
  /** Threads it drafts with (a model-free drafter: 1, on the caller's thread). */
  readonly threads: number;
  /** Whether loading it with another thread count changes its speed (the profiler sweeps only then). */
  readonly threadsAdjustable: boolean;
  /** The vocabulary its drafts are written in. */
  readonly tokenizer: Tokenizer;
  /** What it is, for the profile (quantisation, size, memory). */
  readonly facts: DrafterFacts;
  /**
   * Up to `k` tokens after `contextTokens` (the prompt and the output so far), reusing what it
   * kept for `documentKey`. Fewer, even none, when it has nothing it expects the verifier to keep.
   */
  draft(documentKey: string, contextTokens: readonly Token[], k: number, signal?: AbortSignal): Promise<Draft>;
  /** Forgets what it kept for a document (closed document). */
  forgetDocument(documentKey: string): Promise<void>;
  dispose(): Promise<void>;
}

/** A {@link Drafter} whose vocabulary comes from `tokenizer`: the tokenizer half of the interface, delegated once. */
export abstract class TokenizerBackedDrafter implements Pick<Drafter, keyof Tokenizer | "tokenizer"> {
  constructor(readonly tokenizer: Tokenizer) {}
  get contextSize(): number {
    return this.tokenizer.contextSize;
  }
  get fimMarkers(): FimMarkers | undefined {
    return this.tokenizer.fimMarkers;
  }
  get fimTokens(): FimTokens | undefined {
    return this.tokenizer.fimTokens;
  }
  get eosToken(): Token | null {
    return this.tokenizer.eosToken;
  }
  tokenize(text: string): Token[] {
    return this.tokenizer.tokenize(text);
  }
  detokenize(tokens: readonly Token[]): string {
    return this.tokenizer.detokenize(tokens);
  }
  textAfter(tokens: readonly Token[], previous: readonly Token[]): string {
    return this.tokenizer.textAfter(tokens, previous);
  }
  tokenizeWithSpecialTokens(text: string): Token[] {
    return this.tokenizer.tokenizeWithSpecialTokens(text);
  }
  isEndOfGeneration(token: Token): boolean {
    return this.tokenizer.isEndOfGeneration(token);
  }
}

export class ModelDrafter extends TokenizerBackedDrafter implements Drafter {
  private readonly documentSequences = new Map<string, LlamaContextSequence>();
  private disposed = false;
  readonly threadsAdjustable = true;

  private constructor(
    readonly id: string,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly threads: number,
  ) {
    super(new ModelTokenizer(model, context.contextSize));
  }

  get facts(): DrafterFacts {
    return modelFacts(this.model);
  }

  static async load(options: ModelDrafterOptions): Promise<ModelDrafter> {
    const model = await loadModel(options.uriOrPath, options);
    try {
      const threads = options.threads ?? DEFAULT_THREADS;
      const sequences = options.sequences ?? DEFAULT_DRAFTER_SEQUENCES;
      const context = await model.createContext({
        contextSize: options.contextSize ?? DEFAULT_DRAFTER_CONTEXT_SIZE,
        sequences,
        threads,
        batchSize: options.contextSize ?? DEFAULT_DRAFTER_CONTEXT_SIZE,
      });
      return new ModelDrafter(options.id, model, context, threads);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** The sequence that caches `documentKey`'s KV state, recycling the least recently used. */
  private async sequenceFor(documentKey: string): Promise<LlamaContextSequence> {
    this.assertAlive();
    const existing = this.documentSequences.get(documentKey);
    if (existing) {
      this.documentSequences.delete(documentKey);
      this.documentSequences.set(documentKey, existing); // most recent last
      return existing;
    }
    let sequence: LlamaContextSequence;
    if (this.context.sequencesLeft > 0) {
      sequence = this.context.getSequence();
    } else {
      const [oldestKey, oldest] = this.documentSequences.entries().next().value as [string, LlamaContextSequence];
      this.documentSequences.delete(oldestKey);
      await oldest.clearHistory();
      sequence = oldest;
    }
    this.documentSequences.set(documentKey, sequence);
    return sequence;
  }

  /**
   * Greedily drafts `k` tokens after `contextTokens`, reusing the document's KV cache.
   * Checks the signal between tokens (one token is ~1 ms, so cancellation is prompt).
   */
  async draft(documentKey: string, contextTokens: readonly Token[], k: number, signal?: AbortSignal): Promise<Draft> {
    if (contextTokens.length === 0) throw new RangeError("drafting needs at least one context token");
    throwIfAborted(signal);
    const sequence = await this.sequenceFor(documentKey);
    await sequence.adaptStateToTokens([...contextTokens], false);
    // The last context token must be evaluated now: its logits give the first draft token.
    if (sequence.nextTokenIndex >= contextTokens.length) {
      await sequence.eraseContextTokenRanges([{ start: contextTokens.length - 1, end: sequence.nextTokenIndex }]);
    }
    const pending = contextTokens.slice(sequence.nextTokenIndex);
    const tokens: Token[] = [];
    const tokenMs: number[] = [];
    let started = performance.now();
    const last = pending.length - 1;
    let result = await sequence.controlledEvaluate(
      pending.map((token, i) => (i === last ? [token, { generateNext: { token: true } }] : token)),
    );
    let next = result[last]?.next.token;
    while (next != null && tokens.length < k) {
      const now = performance.now();
      tokens.push(next);
      tokenMs.push(now - started);
      started = now;
      if (tokens.length === k || this.isEndOfGeneration(next)) break;
      throwIfAborted(signal);
      result = await sequence.controlledEvaluate([[next, { generateNext: { token: true } }]]);
      next = result[0]?.next.token;
    }
    return { tokens, tokenMs, evaluatedContextTokens: pending.length };
  }

  /** Forgets a document's KV cache (closed document). */
  async forgetDocument(documentKey: string): Promise<void> {
    const sequence = this.documentSequences.get(documentKey);
    if (!sequence) return;
    this.documentSequences.delete(documentKey);
    // Disposing returns the sequence to the context (clearing it would leak it: sequenceFor only recycles mapped ones).
    await sequence.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new DisposedError(`drafter ${this.id}`);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.documentSequences.clear();
    await this.context.dispose();
    await this.model.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
