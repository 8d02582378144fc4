import type { LlamaModel, Token } from "node-llama-cpp";

/** Preceding tokens handed to the detokenizer with a token, so leading-space rules (SPM) apply as in the full text. */
const DETOKENIZE_CONTEXT_TOKENS = 4;

/**
 * How tokens become text in responses. Special tokens are rendered as their text (e.g.
 * `<|fim_middle|>`), so a completion's text re-tokenizes (with special tokens parsed) to the
 * same ids; end-of-generation tokens never reach the output.
 */
export class TokenText {
  constructor(
    private readonly model: LlamaModel,
    /** vLLM's `return_tokens_as_token_ids`: token strings become `token_id:<id>`. */
    private readonly asTokenIds = false,
  ) {}

  /** Text of `tokens` continuing after `previous` (the prompt, for generated text). */
  text(tokens: readonly Token[], previous: readonly Token[] = []): string {
    return this.model.detokenize(tokens, true, previous.slice(-DETOKENIZE_CONTEXT_TOKENS));
  }

  /**
   * Where the text of each token starts, in Unicode code points (what vLLM's Python
   * `text_offset` counts) from the start of the text of `tokens[textStart..]`; tokens before
   * `textStart` (a BOS the server added) render nothing. Offsets come from detokenizing runs of
   * tokens, not from summing per-token strings, so byte-fallback tokens that together make one
   * character count as that one character.
   */
  codePointOffsets(tokens: readonly Token[], textStart = 0): number[] {
    const offsets = new Array<number>(tokens.length).fill(0);
    // Text is re-rendered from the last token boundary that ended on a complete character.
    let anchor = textStart;
    let base = 0;
    for (let i = textStart; i < tokens.length; i++) {
      const run = i > anchor ? this.text(tokens.slice(anchor, i), tokens.slice(textStart, anchor)) : "";
      offsets[i] = base + codePointLength(run);
      if (run !== "" && !run.endsWith(REPLACEMENT_CHARACTER)) {
        anchor = i;
        base = offsets[i];
      }
    }
    return offsets;
  }

  /**
   * The string that names `token` at `index` (after tokens[0..index-1]) in logprobs: the
   * `tokens` entries and `top_logprobs` keys. Its text in context, or `token_id:<id>`.
   */
  label(tokens: readonly Token[], index: number, token: Token = tokens[index]): string {
    if (this.asTokenIds) return `token_id:${token}`;
    return this.model.detokenize([token], true, tokens.slice(Math.max(0, index - DETOKENIZE_CONTEXT_TOKENS), index));
  }
}

const REPLACEMENT_CHARACTER = "\uFFFD";

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** Index of the earliest stop sequence in `text`, or -1. */
export function findStopSequence(text: string, stops: readonly string[]): number {
  let earliest = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
  }
  return earliest;
}
