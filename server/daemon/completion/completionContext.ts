import type { TextDocument } from "vscode-languageserver-textdocument";

/** Most document text before the cursor sent to the engine. Default 8000 characters (~2k tokens). */
export const DEFAULT_MAX_PREFIX_CHARS = 8000;
/** Most document text after the cursor sent to the engine. Default 2000 characters. */
export const DEFAULT_MAX_SUFFIX_CHARS = 2000;

/** The prefix over its limit is cut from the start in multiples of this many characters. */
export const PREFIX_CUT_CHAR_STEP = 1024;

export interface CompletionContext {
  /** Everything before the cursor (the cache compares whole prefixes so type-through stays exact). */
  documentPrefix: string;
  documentSuffix: string;
  /** What the engine sees: the prefix and suffix cut to the limits at line boundaries. */
  prefix: string;
  suffix: string;
}

/** The text around a position, whole and cut for the engine. */
export function completionContextOf(
  document: TextDocument,
  position: { line: number; character: number },
  limits = { maxPrefixChars: DEFAULT_MAX_PREFIX_CHARS, maxSuffixChars: DEFAULT_MAX_SUFFIX_CHARS },
): CompletionContext {
  const text = document.getText();
  const offset = document.offsetAt(position);
  const documentPrefix = text.slice(0, offset);
  const documentSuffix = text.slice(offset);
  let prefix = documentPrefix;
  if (prefix.length > limits.maxPrefixChars) {
    // Cut in whole steps, so typing keeps the prompt's start (and the caches' prefix) in place.
    const cut = Math.min(prefix.length, Math.ceil((prefix.length - limits.maxPrefixChars) / PREFIX_CUT_CHAR_STEP) * PREFIX_CUT_CHAR_STEP);
    const lineStart = prefix.indexOf("\n", cut);
    prefix = prefix.slice(lineStart === -1 ? cut : lineStart + 1);
  }
  let suffix = documentSuffix;
  if (suffix.length > limits.maxSuffixChars) {
    const lineEnd = suffix.lastIndexOf("\n", limits.maxSuffixChars);
    suffix = suffix.slice(0, lineEnd <= 0 ? limits.maxSuffixChars : lineEnd);
  }
  return { documentPrefix, documentSuffix, prefix, suffix };
}
