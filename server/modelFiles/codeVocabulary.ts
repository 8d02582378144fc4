/**
 * The SentencePiece-style vocabulary of the generated models: control tokens, the three FIM
 * tokens coder models use, 256 byte-fallback tokens (so any UTF-8 round-trips), printable
 * ASCII, and pieces common in source code. llama.cpp's SPM tokenizer builds pieces by merging
 * adjacent pairs, so every prefix of a multi-character piece is in the vocabulary too.
 */

/** llama.cpp `llama_token_type` values written to `tokenizer.ggml.token_type`. */
export const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export const SPACE_PIECE = "\u2581"; // SentencePiece's visible space "▁"

export const SPECIAL_TOKENS = {
  unknown: "<unk>",
  bos: "<s>",
  eos: "</s>",
  fimPrefix: "<|fim_prefix|>",
  fimSuffix: "<|fim_suffix|>",
  fimMiddle: "<|fim_middle|>",
} as const;

const CODE_WORDS = [
  "return", "function", "const", "let", "var", "import", "from", "export", "default", "def",
  "self", "class", "if", "else", "elif", "for", "while", "in", "not", "and", "or", "the",
  "print", "console", "log", "this", "public", "private", "static", "void", "int", "string",
  "true", "false", "True", "False", "None", "null", "undefined", "async", "await", "new",
  "fn", "pub", "struct", "impl", "use", "mut", "package", "func", "type", "interface",
  "value", "name", "data", "result", "error", "length", "index", "list", "items", "key",
];

const INDENTS = ["  ", "    ", "        "];

export interface VocabularyEntry {
  piece: string;
  type: number;
  score: number;
}

export interface CodeVocabulary {
  entries: readonly VocabularyEntry[];
  /** The FIM token ids are absent from a vocabulary built without FIM markers. */
  ids: { unknown: number; bos: number; eos: number; fimPrefix?: number; fimSuffix?: number; fimMiddle?: number };
}

/** The FIM marker texts a vocabulary carries (another family's dialect, in tests), or null for none. Default Qwen's. */
export type VocabularyFimMarkers = { prefix: string; suffix: string; middle: string } | null;

function withPrefixes(word: string, into: Set<string>): void {
  const chars = Array.from(word);
  for (let end = 2; end <= chars.length; end++) into.add(chars.slice(0, end).join(""));
}

export function buildCodeVocabulary(
  fim: VocabularyFimMarkers = { prefix: SPECIAL_TOKENS.fimPrefix, suffix: SPECIAL_TOKENS.fimSuffix, middle: SPECIAL_TOKENS.fimMiddle },
): CodeVocabulary {
  const entries: VocabularyEntry[] = [];
  const add = (piece: string, type: number, score = 0) => entries.push({ piece, type, score });

  add(SPECIAL_TOKENS.unknown, TokenType.unknown);
  add(SPECIAL_TOKENS.bos, TokenType.control);
  add(SPECIAL_TOKENS.eos, TokenType.control);
  if (fim) for (const marker of [fim.prefix, fim.suffix, fim.middle]) add(marker, TokenType.control);
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, TokenType.byte);
  }

  const singles = [SPACE_PIECE, "\n", "\t"];
  for (let code = 0x21; code <= 0x7e; code++) singles.push(String.fromCharCode(code));
  const multi = new Set<string>();
  for (const indent of INDENTS) withPrefixes(indent.replaceAll(" ", SPACE_PIECE), multi);
  withPrefixes("\n" + SPACE_PIECE.repeat(4), multi);
  for (const word of CODE_WORDS) {
    withPrefixes(word, multi);
    withPrefixes(SPACE_PIECE + word, multi);
  }
  for (const op of ["==", "===", "!=", "!==", "=>", "->", "<=", ">=", "&&", "||", "()", "{}", "[]", "();", "):", "//", "::"]) {
    withPrefixes(op, multi);
  }
  // Scores pick which merge SPM applies first: longer pieces win, earlier ones break ties.
  for (const piece of singles) add(piece, TokenType.normal, -1);
  for (const piece of [...multi].sort()) {
    if (!singles.includes(piece)) add(piece, TokenType.normal, Array.from(piece).length - entries.length * 1e-5);
  }

  const idOf = (piece: string) => entries.findIndex((e) => e.piece === piece);
  return {
    entries,
    ids: {
      unknown: idOf(SPECIAL_TOKENS.unknown),
      bos: idOf(SPECIAL_TOKENS.bos),
      eos: idOf(SPECIAL_TOKENS.eos),
      ...(fim && { fimPrefix: idOf(fim.prefix), fimSuffix: idOf(fim.suffix), fimMiddle: idOf(fim.middle) }),
    },
  };
}
