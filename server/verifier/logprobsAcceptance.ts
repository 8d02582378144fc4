import type { CompletionLogprobs } from "./verifierResponses.js";
import { VerifierResponseError } from "./verifierResponseError.js";

// Greedy verification from one echoed /v1/completions call (prompt + draft, max_tokens 1):
// `top_logprobs[p]` is the verifier's distribution for the token at position p given every
// token before it, so its top-1 is exactly what the verifier would have generated there.
// These functions are pure: the client calls them on a parsed response, tests and any
// re-computation call them on hand-built ones.

/** Where the token after the accepted prefix comes from. */
export type NextTokenSource =
  /** The verifier's top-1 at the first rejected draft position. */
  | "correction"
  /** Every draft token was accepted; the token the verifier generated after the echo. */
  | "bonus"
  /** Every draft token was accepted but the verifier generated nothing (e.g. its context was full). */
  | "none";

export interface VerifiedToken {
  id: number;
  /**
   * Its text where the response tells it: the bonus, when the caller passed `echoedText` or the
   * server's `text_offset` counts the text. A correction is only known as an id
   * (`token_id:<id>`); the shared tokenizer detokenizes it.
   */
  text: string | undefined;
}

export interface TokenIdAcceptance {
  /** How many draft tokens the verifier agrees with, from the start. */
  accepted: number;
  nextToken: VerifiedToken | undefined;
  nextTokenSource: NextTokenSource;
}

export interface TokenIdAcceptanceInput {
  prompt: readonly number[];
  draft: readonly number[];
  /** `choices[0].logprobs` of a call made with `return_tokens_as_token_ids: true`. */
  logprobs: CompletionLogprobs;
  /** `choices[0].text`: the echoed text followed by the generated token's text. */
  choiceText?: string;
  /**
   * The prompt + draft as the verifier detokenizes them. With token ids the response's
   * `text_offset` counts characters of `token_id:<id>` strings, not of the text, so this is the
   * only way to cut the bonus token's text out of `choiceText`.
   */
  echoedText?: string;
}

const TOKEN_ID_PATTERN = /^token_id:(\d+)$/;

function assertAligned(logprobs: CompletionLogprobs): void {
  const { tokens, token_logprobs, top_logprobs, text_offset } = logprobs;
  const lengths = [tokens.length, token_logprobs.length, top_logprobs.length, text_offset.length];
  if (lengths.some((length) => length !== tokens.length)) {
    throw new VerifierResponseError(
      `expected logprobs arrays of equal length, found tokens=${lengths[0]}, token_logprobs=${lengths[1]}, top_logprobs=${lengths[2]}, text_offset=${lengths[3]}`,
    );
  }
}

/** The most likely alternative; ties go to the first listed (servers list by rank). */
export function topAlternative(alternatives: Record<string, number> | null | undefined): string | undefined {
  let best: string | undefined;
  let bestLogprob = -Infinity;
  for (const [token, logprob] of Object.entries(alternatives ?? {})) {
    if (best === undefined || logprob > bestLogprob) {
      best = token;
      bestLogprob = logprob;
    }
  }
  return best;
}

/** `token_id:<id>` (vLLM's `return_tokens_as_token_ids`) → id; a clear error for anything else. */
export function parseTokenId(token: string, where: string): number {
  const match = TOKEN_ID_PATTERN.exec(token);
  if (!match) {
    throw new VerifierResponseError(
      `expected ${where} as "token_id:<id>" (the endpoint must honour return_tokens_as_token_ids), found ${JSON.stringify(token.slice(0, 40))}`,
    );
  }
  return Number(match[1]);
}

/** The ids of `logprobs.tokens[from..to)`: as the server gave them (llama-server), else parsed from `token_id:<id>`. */
export function tokenIdsOf(logprobs: CompletionLogprobs, what: string, from = 0, to = logprobs.tokens.length): number[] {
  if (logprobs.token_ids) return logprobs.token_ids.slice(from, to);
  return logprobs.tokens.slice(from, to).map((token, i) => parseTokenId(token, `${what} ${from + i}`));
}

/**
 * Token ids mode (drafter and verifier share a tokenizer). Draft token j sits at absolute
 * position p = prompt.length + j and is accepted iff the top-1 of `top_logprobs[p]` is
 * `token_id:<draft[j]>`; the walk stops at the first mismatch, whose top-1 is the correction.
 * Throws {@link VerifierResponseError} when the response does not line up with what was sent.
 */
export function acceptDraftTokenIds(input: TokenIdAcceptanceInput): TokenIdAcceptance {
  const { prompt, draft, logprobs } = input;
  assertAligned(logprobs);
  const echoed = prompt.length + draft.length;
  const { tokens, top_logprobs } = logprobs;
  if (tokens.length !== echoed && tokens.length !== echoed + 1) {
    throw new VerifierResponseError(
      `expected ${echoed} echoed tokens (prompt ${prompt.length} + draft ${draft.length}) plus at most one generated, found ${tokens.length}`,
    );
  }
  for (let i = 0; i < echoed; i++) {
    const sent = i < prompt.length ? prompt[i] : draft[i - prompt.length];
    if (tokens[i] !== `token_id:${sent}`) {
      throw new VerifierResponseError(
        `expected echoed token ${i} to be "token_id:${sent}" (what was sent), found ${JSON.stringify(tokens[i].slice(0, 40))}`,
      );
    }
  }

  for (let j = 0; j < draft.length; j++) {
    const position = prompt.length + j;
    const top = topAlternative(top_logprobs[position]);
    if (top === undefined) {
      throw new VerifierResponseError(`expected top_logprobs at draft position ${position}, found ${JSON.stringify(top_logprobs[position])}`);
    }
    const id = parseTokenId(top, `the top-1 at position ${position}`);
    if (id !== draft[j]) return { accepted: j, nextToken: { id, text: undefined }, nextTokenSource: "correction" };
  }

  if (tokens.length === echoed) return { accepted: draft.length, nextToken: undefined, nextTokenSource: "none" };
  const id = parseTokenId(tokens[echoed], "the generated token");
  return { accepted: draft.length, nextToken: { id, text: bonusText(input, echoed) }, nextTokenSource: "bonus" };
}

/** The generated token's text in ids mode, when the response lets us know it. */
function bonusText({ choiceText, echoedText, logprobs }: TokenIdAcceptanceInput, echoed: number): string | undefined {
  if (choiceText === undefined) return undefined;
  if (echoedText !== undefined) return choiceText.startsWith(echoedText) ? choiceText.slice(echoedText.length) : undefined;
  // vLLM's text_offset counts the `token_id:<id>` strings, which says nothing about the text;
  // a server that counts the text itself (our embedded one) lets us cut the bonus out.
  const { tokens, text_offset } = logprobs;
  const countsLabels = tokens.every((_, i) => i === 0 || text_offset[i] - text_offset[i - 1] === tokens[i - 1].length);
  if (countsLabels) return undefined;
  const start = codePointIndexer(choiceText)(text_offset[echoed]);
  return start === undefined ? undefined : choiceText.slice(start);
}

export interface TextAcceptance {
  /** The accepted prefix of the draft (whole verifier tokens only). */
  acceptedText: string;
  /** Verifier tokens accepted. */
  acceptedTokens: number;
  /** Verifier tokens that cover the draft (accepted or not), for acceptance rates in verifier tokens. */
  draftTokens: number;
  /** The correction or the bonus; "" when the bonus is end-of-text. */
  nextText: string | undefined;
  nextTextSource: NextTokenSource;
  /**
   * Characters at the start of `nextText` that lie before the draft: > 0 only when a verifier
   * token straddles the prompt/draft boundary (see {@link acceptDraftText}). A caller appending
   * `nextText` after the prompt should drop them, when they match the prompt's end.
   */
  nextTextOverlap: number;
  /**
   * `nextText` is not the verifier's next token after the accepted text: a verifier token
   * straddles the prompt/draft boundary (it judged the prompt's tail), or the token or its top-1
   * is an undecodable piece of a character. The caller asks again with no draft.
   */
  resync: boolean;
}

export interface TextAcceptanceInput {
  prompt: string;
  draft: string;
  /** `choices[0].logprobs` of an echoed call on `prompt + draft`. */
  logprobs: CompletionLogprobs;
  /** `choices[0].text`: `prompt + draft` followed by the generated text. */
  choiceText: string;
  /** How many tokens at the end of the arrays were generated, not echoed (`usage.completion_tokens`). Default 1. */
  generatedTokens?: number;
}

/** Maps code point offsets (what vLLM's Python `text_offset` counts) to UTF-16 indices (what JS slices). */
function codePointIndexer(text: string): (offset: number) => number | undefined {
  if (!/[\uD800-\uDFFF]/.test(text)) return (offset) => (offset <= text.length ? offset : undefined);
  const utf16 = [0];
  for (const char of text) utf16.push(utf16[utf16.length - 1] + char.length);
  return (offset) => utf16[offset];
}

/**
 * Text mode (different tokenizers): the verifier tokenizes `prompt + draft` its own way. Its
 * tokens that lie inside the draft, from the start of the draft, are accepted while each one's
 * top-1 string equals the token actually there; the first that differs gives the correction,
 * and when all agree the generated token is the bonus.
 *
 * Edge cases:
 * - A verifier token that straddles the prompt/draft boundary (the prompt ends mid-token for
 *   the verifier) is a mismatch at that token: nothing is accepted and `nextText` is its top-1,
 *   with `nextTextOverlap` = how many of its characters fall before the draft.
 * - Tokens entirely inside the prompt are never judged, even when the top-1 there differs.
 * - A draft that ends mid-word is judged on the verifier's last token as tokenized (often
 *   rejected, e.g. "ba" where the verifier wants "bar"): correct, since it would not stop there.
 * - Byte-fallback tokens that decode to part of a character are compared as the strings the
 *   server gives; the draft region is located by `text_offset`, not by those strings.
 */
export function acceptDraftText(input: TextAcceptanceInput): TextAcceptance {
  const { prompt, draft, logprobs, choiceText } = input;
  assertAligned(logprobs);
  const { tokens, top_logprobs, text_offset } = logprobs;
  const echoedText = prompt + draft;
  if (!choiceText.startsWith(echoedText)) {
    throw new VerifierResponseError(
      `expected the text to start with the ${echoedText.length} characters of prompt + draft sent, found ${JSON.stringify(choiceText.slice(0, 40))}…`,
    );
  }
  const generated = input.generatedTokens ?? 1;
  const echoed = tokens.length - generated;
  if (generated < 0 || echoed < 0) {
    throw new VerifierResponseError(`expected ${generated} generated token(s) after the echo, found only ${tokens.length} tokens in all`);
  }
  const starts = tokenStarts(logprobs, choiceText, echoedText, echoed, generated, prompt.length);
  const boundary = prompt.length;
  let acceptedEnd = boundary;
  let acceptedTokens = 0;
  let draftTokens = 0;
  let rejection: { text: string; overlap: number; resync: boolean } | undefined;
  for (let i = 0; i < echoed; i++) {
    const start = starts[i];
    const end = i + 1 < echoed ? starts[i + 1] : echoedText.length;
    if (end <= boundary) continue;
    draftTokens++;
    if (rejection) continue;
    const top = topAlternative(top_logprobs[i]);
    if (top === undefined) {
      throw new VerifierResponseError(`expected top_logprobs for the draft token at position ${i}, found ${JSON.stringify(top_logprobs[i])}`);
    }
    if (start < boundary) rejection = { text: top, overlap: boundary - start, resync: true };
    else if (!isPlainText(tokens[i]) || !isPlainText(top)) rejection = { text: top, overlap: 0, resync: true };
    else if (top !== tokens[i]) rejection = { text: top, overlap: 0, resync: false };
    else {
      acceptedTokens++;
      acceptedEnd = end;
    }
  }

  const acceptedText = echoedText.slice(boundary, acceptedEnd);
  if (rejection) {
    return { acceptedText, acceptedTokens, draftTokens, nextText: rejection.text, nextTextSource: "correction", nextTextOverlap: rejection.overlap, resync: rejection.resync };
  }
  if (generated === 0) return { acceptedText: draft, acceptedTokens, draftTokens, nextText: undefined, nextTextSource: "none", nextTextOverlap: 0, resync: false };
  return { acceptedText: draft, acceptedTokens, draftTokens, nextText: choiceText.slice(echoedText.length), nextTextSource: "bonus", nextTextOverlap: 0, resync: false };
}

/** Control tokens as servers spell them in logprobs: `<|endoftext|>`, `</s>`, `<｜end▁of▁sentence｜>`, `<EOT>`. */
const SPECIAL_TOKEN_SPELLING = /^(<[|｜][^<>\s]*[|｜]>|<\/?s>|<[A-Z]{2,5}>)$/;

/**
 * A token string that stands for its text: not an undecodable piece of a character ("" or
 * U+FFFD from a partial UTF-8 sequence), and not a control token's spelling (end of text
 * would otherwise be taken as the text "<|endoftext|>"; the call without a draft reports it
 * as the end it is).
 */
function isPlainText(token: string): boolean {
  return token !== "" && !token.includes("\uFFFD") && !SPECIAL_TOKEN_SPELLING.test(token);
}

/**
 * Where each token starts in `choiceText` (UTF-16 indices). The server's `text_offset` (code
 * points) when it puts the generated token at the end of prompt + draft; otherwise (vLLM sums
 * its tokens' decoded lengths, which drop text such as a literal U+FFFD, shifting everything
 * after it) counted back from the end over the tokens that reach into the draft, each of which
 * must then be exactly the text it covers.
 */
function tokenStarts(logprobs: CompletionLogprobs, choiceText: string, echoedText: string, echoed: number, generated: number, boundary: number): number[] {
  const { tokens, text_offset } = logprobs;
  const toUtf16 = codePointIndexer(choiceText);
  const starts: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const start = toUtf16(text_offset[i]);
    if (start === undefined || (i > 0 && start < starts[i - 1])) {
      throw new VerifierResponseError(`expected non-decreasing text_offset within the text, found ${text_offset[i]} at token ${i}`);
    }
    starts.push(start);
  }
  if (generated === 0 || starts[echoed] === echoedText.length) return starts;
  const counted = new Array<number>(tokens.length).fill(0);
  counted[echoed] = echoedText.length;
  for (let i = echoed - 1; i >= 0 && counted[i + 1] > boundary; i--) {
    counted[i] = counted[i + 1] - tokens[i].length;
    if (counted[i] < 0 || echoedText.slice(counted[i], counted[i + 1]) !== tokens[i]) {
      throw new VerifierResponseError(
        `expected the generated token at character ${echoedText.length} (end of prompt + draft), found text_offset ${text_offset[echoed]}, and the tokens before it do not spell the draft either`,
      );
    }
  }
  return counted;
}
