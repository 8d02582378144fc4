import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { detokenizeAsStreamed } from "../llama/tokenPieces.js";
import { loadModel, type LoadModelOptions } from "../modelFiles/modelLoader.js";
import { readFimMarkers, type FimMarkers, type FimTriple } from "../prompt/fimDialect.js";
import { throwIfAborted } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";

/** Context window of the drafter's sequences; completions use bounded prompts well below it. */
export const DEFAULT_DRAFTER_CONTEXT_SIZE = 2048;
/** How many documents keep their own KV cache at once (least recently used is recycled). */
export const DEFAULT_DRAFTER_SEQUENCES = 4;

export interface DrafterOptions extends LoadModelOptions {
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

/** The FIM token ids when the model has all three, else undefined (prefix-only prompts). */
export type FimTokens = FimTriple<Token>;

/**
 * A drafter model with one KV-cached sequence per document: each request only evaluates
 * what changed since the last one (`adaptStateToTokens` erases from the first difference).
 */
export class Drafter {
  private readonly documentSequences = new Map<string, LlamaContextSequence>();
  private disposed = false;
  #fimMarkers: FimMarkers | undefined | null = null;

  private constructor(
    readonly id: string,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly threads: number,
  ) {}

  static async load(options: DrafterOptions): Promise<Drafter> {
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
      return new Drafter(options.id, model, context, threads);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** The drafter's context window in tokens: prompt, output and draft must fit in it. */
  get contextSize(): number {
    return this.context.contextSize;
  }

  /** The model's own FIM markers (ids, text, dialect) as read from its GGUF; undefined without all three. */
  get fimMarkers(): FimMarkers | undefined {
    if (this.#fimMarkers === null) this.#fimMarkers = readFimMarkers(this.model);
    return this.#fimMarkers;
  }

  get fimTokens(): FimTokens | undefined {
    return this.fimMarkers?.tokens;
  }

  get eosToken(): Token | null {
    return this.model.tokens.eos;
  }

  tokenize(text: string): Token[] {
    return this.model.tokenize(text, false);
  }

  detokenize(tokens: readonly Token[]): string {
    return detokenizeAsStreamed(this.model, tokens, false);
  }

  /**
   * Text of `tokens` continuing after `previous`, rendered as the embedded verifier renders
   * output (special tokens as text, SPM leading-space rules applied in context).
   */
  textAfter(tokens: readonly Token[], previous: readonly Token[]): string {
    return detokenizeAsStreamed(this.model, tokens, true, previous);
  }

  /** Tokenizes text with special tokens such as `<|fim_prefix|>` parsed, as servers do for text prompts. */
  tokenizeWithSpecialTokens(text: string): Token[] {
    return this.model.tokenize(text, true);
  }

  /** Tokens that end generation (EOS, EOT): the verifier never outputs them. */
  isEndOfGeneration(token: Token): boolean {
    return token === this.model.tokens.eos || token === this.model.tokens.eot;
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
