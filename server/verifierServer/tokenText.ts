import type { LlamaModel, Token } from "node-llama-cpp";
import { DETOKENIZE_CONTEXT_TOKENS, detokenizeAsStreamed } from "../llama/tokenPieces.js";

/**
 * How tokens become text in responses. Special tokens are rendered as their text (e.g.
 * `<|fim_middle|>`), so a completion's text re-tokenizes (with special tokens parsed) to the
 * same ids; end-of-generation tokens never reach the output.
 */
export class TokenText {
  constructor(
    private readonly model: LlamaModel,
    /** vLLM's `return_tokens_as_token_ids`: token strings become `token_id:<id>`. */
    readonly asTokenIds = false,
  ) {}

  /** Text of `tokens` continuing after `previous` (the prompt, for generated text). */
  text(tokens: readonly Token[], previous: readonly Token[] = []): string {
    return detokenizeAsStreamed(this.model, tokens, true, previous);
  }

  /**
   * Where the text of each token starts, in Unicode code points (what vLLM's Python
   * `text_offset` counts) from the start of the text of `tokens[textStart..]`; tokens before
   * `textStart` (a BOS the server added) render nothing. Offsets come from detokenizing runs of
   * tokens, not from summing per-token strings, so byte-fallback tokens that together make one
   * character count as that one character. `mirror` (a slot's) keeps the work done for an
   * earlier request: only the tokens after the common prefix are detokenized again.
   */
  codePointOffsets(tokens: readonly Token[], textStart = 0, mirror = new CodePointOffsetMirror()): number[] {
    return mirror.offsets(tokens, textStart, (run, previous) => this.text(run, previous));
  }

  /**
   * The string that names `token` at `index` (after tokens[0..index-1]) in logprobs: the
   * `tokens` entries and `top_logprobs` keys. Its text in context, or `token_id:<id>`.
   */
  label(tokens: readonly Token[], index: number, token: Token = tokens[index]): string {
    if (this.asTokenIds) return tokenIdLabel(token);
    return detokenizeAsStreamed(this.model, [token], true, tokens.slice(Math.max(0, index - DETOKENIZE_CONTEXT_TOKENS), index));
  }
}

const REPLACEMENT_CHARACTER = "\uFFFD";

// `token_id:<id>` strings, made once per id: echoed logprobs name every prompt token.
const tokenIdLabels: string[] = [];
function tokenIdLabel(token: Token): string {
  return (tokenIdLabels[token] ??= `token_id:${token}`);
}

/**
 * The code-point offsets of the tokens a slot last served, with the state of the walk after
 * each token, so a request that shares a prefix with the previous one (every speculative
 * round after the first) detokenizes only what follows it. Offset i, and the walk's state after
 * it, depend only on the tokens before i, so they hold while the prefix is the same.
 */
export class CodePointOffsetMirror {
  private readonly tokens: Token[] = [];
  private textStart = 0;
  private readonly starts: number[] = [];
  /** After token i: the last boundary that ended on a complete character, and its offset. */
  private readonly anchors: number[] = [];
  private readonly bases: number[] = [];

  offsets(tokens: readonly Token[], textStart: number, detokenize: (run: readonly Token[], previous: readonly Token[]) => string): number[] {
    let reused = 0;
    if (textStart === this.textStart) {
      const limit = Math.min(tokens.length, this.tokens.length);
      while (reused < limit && tokens[reused] === this.tokens[reused]) reused++;
    }
    // Cut to the prefix and grown token by token, so a detokenizer error leaves it consistent.
    this.tokens.length = this.starts.length = this.anchors.length = this.bases.length = reused;
    this.textStart = textStart;
    // Text is re-rendered from the last token boundary that ended on a complete character.
    let anchor = reused > 0 ? this.anchors[reused - 1] : textStart;
    let base = reused > 0 ? this.bases[reused - 1] : 0;
    for (let i = reused; i < tokens.length; i++) {
      let start = 0;
      if (i >= textStart) {
        // The detokenizer only looks at the last few tokens before a run (leading-space rules).
        const run = i > anchor ? detokenize(tokens.slice(anchor, i), tokens.slice(Math.max(textStart, anchor - DETOKENIZE_CONTEXT_TOKENS), anchor)) : "";
        start = base + codePointLength(run);
        if (run !== "" && !run.endsWith(REPLACEMENT_CHARACTER)) {
          anchor = i;
          base = start;
        }
      }
      this.tokens.push(tokens[i]);
      this.starts.push(start);
      this.anchors.push(anchor);
      this.bases.push(base);
    }
    return this.starts.slice();
  }
}

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
