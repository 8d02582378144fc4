import { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS, type PromptWindowOptions } from "./promptWindow.js";

/** Tokens kept free beyond the completion: the FIM markers, the bonus token, a BOS. Default 8. */
export const PROMPT_MARGIN_TOKENS = 8;
/** The measured bytes per token is used with this margin: a denser prompt than those seen still fits. */
const BYTES_PER_TOKEN_MARGIN = 0.85;

/**
 * How large a prompt may be, in tokens, so it fits the real context windows of the drafter and
 * the verifier with room for the completion and the draft: windows as the endpoint reports them
 * (server/prompt/contextWindow.ts) or learnt from a refusal. Text sent without a local tokenizer
 * (verifier-only) is cut in UTF-8 bytes: every token of a byte-level or byte-fallback tokenizer
 * covers at least one byte, so N bytes never exceed N tokens; once the verifier's own
 * `usage.prompt_tokens` were seen, the densest bytes per token measured replaces that bound.
 */
export class PromptBudget {
  #verifierWindow: number | undefined;
  readonly #drafterWindow: number | undefined;
  #bytesPerToken: number | undefined;

  constructor(options: { verifierWindow?: number; drafterWindow?: number } = {}) {
    this.#verifierWindow = options.verifierWindow;
    this.#drafterWindow = options.drafterWindow;
  }

  get verifierWindow(): number | undefined {
    return this.#verifierWindow;
  }

  /** A refusal named the verifier's window: every later prompt is sized to it. */
  learnVerifierWindow(tokens: number): void {
    this.#verifierWindow = tokens;
  }

  /** A verifier answer: `promptBytes` of prompt text were `promptTokens` of its tokens. */
  observe(promptBytes: number, promptTokens: number): void {
    if (promptTokens <= 0 || promptBytes <= 0) return;
    const ratio = promptBytes / promptTokens;
    this.#bytesPerToken = Math.min(this.#bytesPerToken ?? ratio, ratio);
  }

  /** Most prompt tokens that leave room for `maxTokens` and a draft of `k` in both windows; undefined when no window is known. */
  maxPromptTokens(maxTokens: number, k: number): number | undefined {
    const windows = [this.#verifierWindow, this.#drafterWindow].filter((w): w is number => w !== undefined);
    if (windows.length === 0) return undefined;
    return Math.max(16, Math.min(...windows) - maxTokens - k - PROMPT_MARGIN_TOKENS);
  }

  /** The window options with the token caps lowered to what fits (the caps themselves are a cost choice, kept when smaller). */
  windowOptions(base: PromptWindowOptions, maxTokens: number, k: number): PromptWindowOptions {
    const total = this.maxPromptTokens(maxTokens, k);
    const prefixCap = base.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS;
    const suffixCap = base.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS;
    if (total === undefined || total >= prefixCap + suffixCap) return { ...base, maxPrefixTokens: prefixCap, maxSuffixTokens: suffixCap };
    // The suffix keeps the share the caps give it (256 of 1,024 by default).
    const suffix = Math.min(suffixCap, Math.floor((total * suffixCap) / (prefixCap + suffixCap)));
    return { ...base, maxPrefixTokens: Math.min(prefixCap, total - suffix), maxSuffixTokens: suffix };
  }

  /** Bytes of text that surely fit in `tokens` of the verifier's tokens. */
  bytesFor(tokens: number): number {
    return Math.floor(tokens * Math.max(1, BYTES_PER_TOKEN_MARGIN * (this.#bytesPerToken ?? 1)));
  }
}

/** The last characters of `text` that take at most `maxBytes` in UTF-8, cut from the start in multiples of `step` bytes (rounded up to a whole character). */
export function lastBytes(text: string, maxBytes: number, step = 1): string {
  const total = Buffer.byteLength(text, "utf8");
  if (total <= maxBytes) return text;
  // Cut from the start in whole steps: the start then stays put while text is appended.
  const cut = Math.ceil((total - maxBytes) / step) * step;
  let bytes = 0;
  let start = 0;
  for (const char of text) {
    if (bytes >= cut) break;
    bytes += Buffer.byteLength(char, "utf8");
    start += char.length;
  }
  return text.slice(start);
}

/** The first characters of `text` that take at most `maxBytes` in UTF-8. */
export function firstBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
