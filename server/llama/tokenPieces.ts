import type { LlamaModel, Token } from "node-llama-cpp";

/**
 * Text of tokens as engines stream it: each token's piece, concatenated. llama.cpp's
 * `llama_detokenize` (node-llama-cpp's `model.detokenize`) also cleans up "tokenization spaces"
 * for most BPE vocabularies, GPT-2's and StarCoder's among them (" !" → "!", " ," → ",", " ." →
 * "."; `clean_spaces` in src/llama-vocab.cpp), which rewrites code: `err != nil` comes back as
 * `err!= nil`. llama-server streams pieces (`common_token_to_piece`) and never cleans, so the
 * daemon renders byte-level BPE tokens from their pieces, and anything else through llama.cpp.
 */
export function detokenizeAsStreamed(model: LlamaModel, tokens: readonly Token[], specialTokens: boolean, lastTokens: readonly Token[] = []): string {
  const context = lastTokens.slice(-DETOKENIZE_CONTEXT_TOKENS);
  const pieces = piecesOf(model);
  if (!pieces) return model.detokenize(tokens, specialTokens, context);
  if (tokens.length === 0) return "";
  const own = pieces.bytes(tokens, specialTokens);
  const before = pieces.bytes(context, specialTokens);
  if (before.length === 0) return UTF8_DECODER.decode(own);
  // As node-llama-cpp does with `lastTokens`: the text after theirs, so a character split across the boundary comes out whole.
  const beforeText = UTF8_DECODER.decode(before);
  const all = UTF8_DECODER.decode(concat(before, own));
  return all.startsWith(beforeText) ? all.slice(beforeText.length) : UTF8_DECODER.decode(own);
}

/** Preceding tokens rendered with a token, so a character split across tokens and SPM's leading-space rules come out as in the full text. */
export const DETOKENIZE_CONTEXT_TOKENS = 4;

const UTF8_DECODER = new TextDecoder("utf-8");
const UTF8_ENCODER = new TextEncoder();

/** GPT-2's byte-level alphabet, inverted: the printable character that stands for each byte → the byte. */
const BYTE_OF_CODE_POINT: ReadonlyMap<number, number> = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<number, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) map.set(printable(b) ? b : next++, b);
  return map;
})();

/** One vocabulary's pieces, decoded once per token. */
class Pieces {
  readonly #plain = new Map<Token, Uint8Array>();
  readonly #special = new Map<Token, Uint8Array>();

  constructor(private readonly model: LlamaModel) {}

  bytes(tokens: readonly Token[], specialTokens: boolean): Uint8Array {
    return concat(...tokens.map((token) => this.#piece(token, specialTokens)));
  }

  /** llama.cpp's `token_to_piece` for a BPE vocabulary: control tokens only when asked for, as their text; user-defined as their text; the rest byte-decoded. */
  #piece(token: Token, specialTokens: boolean): Uint8Array {
    const cache = specialTokens ? this.#special : this.#plain;
    let piece = cache.get(token);
    if (piece) return piece;
    const text = vocabularyText(this.model, token) ?? "";
    const attributes = this.model.getTokenAttributes(token);
    if (attributes.control || attributes.unknown) piece = specialTokens ? UTF8_ENCODER.encode(text) : new Uint8Array();
    else if (attributes.userDefined) piece = UTF8_ENCODER.encode(text);
    else piece = Uint8Array.from([...text].map((char) => BYTE_OF_CODE_POINT.get(char.codePointAt(0)!) ?? 0x3f));
    cache.set(token, piece);
    return piece;
  }
}

const piecesByModel = new WeakMap<LlamaModel, Pieces | null>();

/** Pieces for a byte-level BPE vocabulary; null for other vocabularies, where llama.cpp's own text is what engines send. */
function piecesOf(model: LlamaModel): Pieces | null {
  let pieces = piecesByModel.get(model);
  if (pieces === undefined) {
    pieces = model.vocabularyType === "bpe" && vocabularyText(model, 0 as Token) !== undefined ? new Pieces(model) : null;
    piecesByModel.set(model, pieces);
  }
  return pieces;
}

/** The vocabulary's own string for a token (`llama_vocab_get_text`); node-llama-cpp keeps the call on its native model. */
function vocabularyText(model: LlamaModel, token: Token): string | undefined {
  const native = (model as unknown as { _model?: { getTokenString?: (token: number) => string | undefined } })._model;
  return native?.getTokenString?.(token);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
