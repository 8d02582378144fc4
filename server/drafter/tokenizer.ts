import type { LlamaModel, Token } from "node-llama-cpp";
import { detokenizeAsStreamed } from "../llama/tokenPieces.js";
import { readFimMarkers, type FimMarkers, type FimTriple } from "../prompt/fimDialect.js";

/** The FIM token ids when the vocabulary has all three, else undefined (prefix-only prompts). */
export type FimTokens = FimTriple<Token>;

/**
 * The vocabulary drafts are written in: token ids, their text, the FIM markers and the tokens
 * that end generation. A drafting model brings its own; a model-free drafter borrows one (a
 * vocabulary-only load of the verifier's GGUF) so its drafts travel as the verifier's ids.
 */
export interface Tokenizer {
  /** Longest context the tokenizer's model was made for; prompts are sized below it. */
  readonly contextSize: number;
  /** The FIM markers (ids, text, dialect) as read from the GGUF; undefined without all three. */
  readonly fimMarkers: FimMarkers | undefined;
  readonly fimTokens: FimTokens | undefined;
  readonly eosToken: Token | null;
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[]): string;
  /** Text of `tokens` continuing after `previous`, as the verifier streams it (special tokens as text). */
  textAfter(tokens: readonly Token[], previous: readonly Token[]): string;
  /** Tokenizes with special tokens such as `<|fim_prefix|>` parsed, as servers do for text prompts. */
  tokenizeWithSpecialTokens(text: string): Token[];
  /** Tokens that end generation (EOS, EOT): the verifier never outputs them. */
  isEndOfGeneration(token: Token): boolean;
}

/** A {@link Tokenizer} over a loaded llama.cpp model (a full one, or loaded with `vocabOnly`). */
export class ModelTokenizer implements Tokenizer {
  #fimMarkers: FimMarkers | undefined | null = null;

  constructor(
    readonly model: LlamaModel,
    readonly contextSize: number,
  ) {}

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

  textAfter(tokens: readonly Token[], previous: readonly Token[]): string {
    return detokenizeAsStreamed(this.model, tokens, true, previous);
  }

  tokenizeWithSpecialTokens(text: string): Token[] {
    return this.model.tokenize(text, true);
  }

  isEndOfGeneration(token: Token): boolean {
    return token === this.model.tokens.eos || token === this.model.tokens.eot;
  }
}
