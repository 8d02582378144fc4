import type { Token } from "node-llama-cpp";
import { QWEN_FIM_TEXTS, fimDialectOf, separatorBefore, type FimMarkers } from "./fimDialect.js";
import { firstBytes, lastBytes, PromptBudget } from "./promptBudget.js";

export { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS, DEFAULT_PREFIX_LINES, DEFAULT_SUFFIX_LINES, type PromptWindowOptions } from "./promptWindow.js";
import { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS, DEFAULT_PREFIX_LINES, DEFAULT_SUFFIX_LINES, type PromptWindowOptions } from "./promptWindow.js";

export interface PromptTokenizer {
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[]): string;
  /** The model's own FIM markers (server/prompt/fimDialect.ts); undefined: prefix-only prompts. */
  fimMarkers: FimMarkers | undefined;
}

export interface CompletionPrompt {
  /** What the drafter (and a verifier sharing its tokenizer) evaluates. */
  tokens: Token[];
  /** The same prompt as text with special tokens spelled out, for verifiers with another tokenizer. */
  text: string;
  fim: boolean;
}

/** How the FIM text is laid out: the markers as spelled, their dialect's spacing. */
export type FimLayout = Pick<FimMarkers, "texts" | "dialect" | "tokenizerAddsSpace">;

/** The layout a text-only prompt uses when no model names one: Qwen2.5-Coder's (the bundled family's). */
export const DEFAULT_FIM_LAYOUT: FimLayout = { texts: QWEN_FIM_TEXTS, dialect: fimDialectOf(QWEN_FIM_TEXTS), tokenizerAddsSpace: false };

/** The separators the dialect puts around the parts: after the prefix marker, before the suffix and middle markers. */
function separatorsOf(layout: FimLayout): { lead: string; beforeSuffix: string; beforeMiddle: string } {
  const { spacing } = layout.dialect;
  return {
    // A SentencePiece tokenizer that adds a space itself already gives CodeLlama's "<PRE> {prefix}".
    lead: layout.tokenizerAddsSpace ? "" : spacing.afterPrefixMarker,
    beforeSuffix: separatorBefore(spacing.beforeSuffixMarker, layout.texts.suffix),
    beforeMiddle: separatorBefore(spacing.beforeMiddleMarker, layout.texts.middle),
  };
}

/** The FIM prompt as text in `layout`: what a server tokenizing it with special tokens parsed reads as the same prompt. */
export function fimText(layout: FimLayout, prefixText: string, suffixText: string): string {
  const { lead, beforeSuffix, beforeMiddle } = separatorsOf(layout);
  const { texts } = layout;
  return `${texts.prefix}${lead}${prefixText}${beforeSuffix}${texts.suffix}${suffixText}${beforeMiddle}${texts.middle}`;
}

/**
 * The prompt's start moves in steps of this many lines (and a prefix over its token cap loses
 * tokens in steps of {@link PREFIX_CUT_TOKEN_STEP}): while the person types, the prompt keeps its
 * beginning, so the drafter's KV and the verifier's prefix cache keep everything before the
 * cursor's line instead of losing the whole prompt whenever the window slid by a line or a token.
 */
export const PREFIX_WINDOW_LINE_STEP = 16;
export const PREFIX_CUT_TOKEN_STEP = 64;
/** The UTF-8 byte cap of a text-only prompt cuts in steps of this many bytes, for the same reason. */
export const PREFIX_CUT_BYTE_STEP = 256;

/**
 * At most the last `lines` lines of `text` (the cursor's partial line counts), starting at a
 * line whose index is a multiple of the step ({@link PREFIX_WINDOW_LINE_STEP}, at most a quarter
 * of the window): between `lines − step + 1` and `lines` lines.
 */
function lastLines(text: string, lines: number): string {
  const step = Math.max(1, Math.min(PREFIX_WINDOW_LINE_STEP, Math.floor(lines / 4)));
  let newlines = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) newlines++;
  const firstKept = Math.max(0, Math.ceil((newlines + 1 - lines) / step) * step);
  let index = -1;
  for (let line = 0; line < firstKept; line++) index = text.indexOf("\n", index + 1);
  return text.slice(index + 1);
}

/** Cuts `tokens` from the start to at most `max`, in whole steps (see {@link PREFIX_CUT_TOKEN_STEP}). */
function lastTokens<T>(tokens: T[], max: number, step = PREFIX_CUT_TOKEN_STEP): T[] {
  if (tokens.length <= max) return tokens;
  return tokens.slice(Math.ceil((tokens.length - max) / step) * step);
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
 * Builds the prompt around the cursor: FIM in the model's own dialect (its marker tokens, laid
 * out as its family documents: Qwen's `<|fim_prefix|>` prefix `<|fim_suffix|>` suffix
 * `<|fim_middle|>`, CodeLlama's `<PRE> {prefix} <SUF>{suffix} <MID>`, …) when the model has FIM
 * tokens, the prefix alone otherwise. Document text is tokenized without special-token parsing,
 * so code that contains "<|fim_prefix|>" stays text. `textLayout` lays out the text form for a
 * verifier that reads another dialect than the model's (null: the prefix alone); the tokens keep
 * the model's own.
 */
export function buildCompletionPrompt(
  prefix: string,
  suffix: string,
  tokenizer: PromptTokenizer,
  options: PromptWindowOptions = {},
  textLayout?: FimLayout | null,
): CompletionPrompt {
  const prefixTokens = lastTokens(tokenizer.tokenize(lastLines(prefix, options.prefixLines ?? DEFAULT_PREFIX_LINES)), options.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS);
  const prefixText = tokenizer.detokenize(prefixTokens);
  const fim = tokenizer.fimMarkers;
  if (!fim) return { tokens: prefixTokens, text: prefixText, fim: false };
  let suffixTokens = tokenizer.tokenize(firstLines(suffix, options.suffixLines ?? DEFAULT_SUFFIX_LINES));
  suffixTokens = suffixTokens.slice(0, options.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS);
  const suffixText = tokenizer.detokenize(suffixTokens);
  const { lead, beforeSuffix, beforeMiddle } = separatorsOf(fim);
  const spaces = (text: string): Token[] => (text === "" ? [] : tokenizer.tokenize(text));
  const ids = fim.tokens;
  return {
    tokens: [ids.prefix, ...spaces(lead), ...prefixTokens, ...spaces(beforeSuffix), ids.suffix, ...suffixTokens, ...spaces(beforeMiddle), ids.middle],
    text: textLayout === null ? prefixText : fimText(textLayout ?? fim, prefixText, suffixText),
    fim: true,
  };
}

/**
 * The FIM prompt as text for verifier-only decoding without a drafter (no tokenizer at hand):
 * the same line window, the token caps applied in UTF-8 bytes through `budget` — never more
 * bytes than fit the caps in the verifier's own tokens (see {@link PromptBudget.bytesFor}).
 * `layout` null: the prefix alone (a verifier without FIM tokens).
 */
export function buildTextOnlyPrompt(
  prefix: string,
  suffix: string,
  options: PromptWindowOptions = {},
  budget: PromptBudget = new PromptBudget(),
  layout: FimLayout | null = DEFAULT_FIM_LAYOUT,
): CompletionPrompt {
  const prefixText = lastBytes(lastLines(prefix, options.prefixLines ?? DEFAULT_PREFIX_LINES), budget.bytesFor(options.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS), PREFIX_CUT_BYTE_STEP);
  if (!layout) return { tokens: [], text: prefixText, fim: false };
  const suffixText = firstBytes(firstLines(suffix, options.suffixLines ?? DEFAULT_SUFFIX_LINES), budget.bytesFor(options.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS));
  return { tokens: [], text: fimText(layout, prefixText, suffixText), fim: true };
}
