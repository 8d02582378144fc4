import type { Token } from "node-llama-cpp";
import { firstBytes, lastBytes, PromptBudget } from "./promptBudget.js";

export { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS, DEFAULT_PREFIX_LINES, DEFAULT_SUFFIX_LINES, type PromptWindowOptions } from "./promptWindow.js";
import { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS, DEFAULT_PREFIX_LINES, DEFAULT_SUFFIX_LINES, type PromptWindowOptions } from "./promptWindow.js";

export interface PromptTokenizer {
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[]): string;
  fimTokens: { prefix: Token; suffix: Token; middle: Token } | undefined;
}

export interface CompletionPrompt {
  /** What the drafter (and a verifier sharing its tokenizer) evaluates. */
  tokens: Token[];
  /** The same prompt as text with special tokens spelled out, for verifiers with another tokenizer. */
  text: string;
  fim: boolean;
}

export const FIM_TEXT = { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" } as const;

function lastLines(text: string, lines: number): string {
  let index = text.length;
  for (let i = 0; i < lines && index > 0; i++) index = text.lastIndexOf("\n", index - 1);
  return index <= 0 ? text : text.slice(index + 1);
}

function firstLines(text: string, lines: number): string {
  let index = -1;
  for (let i = 0; i < lines; i++) {
    index = text.indexOf("\n", index + 1);
    if (index < 0) return text;
  }
  return text.slice(0, index + 1);
}

/**
 * Builds the prompt around the cursor: FIM (`<|fim_prefix|>` prefix `<|fim_suffix|>` suffix
 * `<|fim_middle|>`) when the model has FIM tokens, the prefix alone otherwise. Document text
 * is tokenized without special-token parsing, so code that contains "<|fim_prefix|>" stays text.
 */
export function buildCompletionPrompt(
  prefix: string,
  suffix: string,
  tokenizer: PromptTokenizer,
  options: PromptWindowOptions = {},
): CompletionPrompt {
  let prefixTokens = tokenizer.tokenize(lastLines(prefix, options.prefixLines ?? DEFAULT_PREFIX_LINES));
  const maxPrefix = options.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS;
  if (prefixTokens.length > maxPrefix) prefixTokens = prefixTokens.slice(prefixTokens.length - maxPrefix);
  const prefixText = tokenizer.detokenize(prefixTokens);
  const fim = tokenizer.fimTokens;
  if (!fim) return { tokens: prefixTokens, text: prefixText, fim: false };
  let suffixTokens = tokenizer.tokenize(firstLines(suffix, options.suffixLines ?? DEFAULT_SUFFIX_LINES));
  suffixTokens = suffixTokens.slice(0, options.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS);
  const suffixText = tokenizer.detokenize(suffixTokens);
  return {
    tokens: [fim.prefix, ...prefixTokens, fim.suffix, ...suffixTokens, fim.middle],
    text: `${FIM_TEXT.prefix}${prefixText}${FIM_TEXT.suffix}${suffixText}${FIM_TEXT.middle}`,
    fim: true,
  };
}

/**
 * The FIM prompt as text for verifier-only decoding without a drafter (no tokenizer at hand):
 * the same line window, the token caps applied in UTF-8 bytes through `budget` — never more
 * bytes than fit the caps in the verifier's own tokens (see {@link PromptBudget.bytesFor}).
 */
export function buildTextOnlyPrompt(prefix: string, suffix: string, options: PromptWindowOptions = {}, budget: PromptBudget = new PromptBudget()): CompletionPrompt {
  const prefixText = lastBytes(lastLines(prefix, options.prefixLines ?? DEFAULT_PREFIX_LINES), budget.bytesFor(options.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS));
  const suffixText = firstBytes(firstLines(suffix, options.suffixLines ?? DEFAULT_SUFFIX_LINES), budget.bytesFor(options.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS));
  return { tokens: [], text: `${FIM_TEXT.prefix}${prefixText}${FIM_TEXT.suffix}${suffixText}${FIM_TEXT.middle}`, fim: true };
}
