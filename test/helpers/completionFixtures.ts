import type { FaultyHandler, FaultyResponse } from "./faultyHttpServer.js";
import type { CompletionLogprobs } from "../../server/verifier/verifierResponses.js";

/** A toy greedy "verifier": its next token depends only on the last one. */
export function toyNext(context: readonly number[]): number {
  return ((context[context.length - 1] ?? 0) * 31 + 7) % 100;
}

/** Greedy continuation of `context` by {@link toyNext}, `length` tokens long. */
export function toyContinuation(context: readonly number[], length: number): number[] {
  const out: number[] = [];
  const all = [...context];
  for (let i = 0; i < length; i++) {
    const next = toyNext(all);
    out.push(next);
    all.push(next);
  }
  return out;
}

/**
 * The logprobs vLLM returns for an echoed call on `ids` with `return_tokens_as_token_ids` and
 * `logprobs: 1`: position 0 has none; every other position lists the verifier's top-1 and, when
 * different, the token actually there; `generated` appends the greedy next token.
 */
export function tokenIdLogprobs(ids: readonly number[], next: (context: readonly number[]) => number = toyNext, generated = true): CompletionLogprobs {
  const tokens: string[] = [];
  const token_logprobs: (number | null)[] = [];
  const top_logprobs: (Record<string, number> | null)[] = [];
  const text_offset: number[] = [];
  const all = generated ? [...ids, next(ids)] : [...ids];
  let offset = 0;
  all.forEach((id, p) => {
    const key = `token_id:${id}`;
    tokens.push(key);
    text_offset.push(offset);
    offset += key.length; // what vLLM does: offsets count the token strings it returns
    if (p === 0) {
      token_logprobs.push(null);
      top_logprobs.push(null);
      return;
    }
    const top = `token_id:${next(all.slice(0, p))}`;
    const alternatives: Record<string, number> = { [top]: -0.1 };
    if (top !== key) alternatives[key] = -3.5;
    token_logprobs.push(alternatives[key]);
    top_logprobs.push(alternatives);
  });
  return { tokens, token_logprobs, top_logprobs, text_offset };
}

export interface TextToken {
  text: string;
  /** The verifier's top-1 at this position; defaults to the token itself (agreement). */
  top?: string;
}

/**
 * Hand-built text-mode logprobs: the echoed tokens (their texts concatenate to prompt + draft)
 * and one generated token. Offsets count code points, as vLLM's Python does.
 */
export function textLogprobs(echoed: readonly TextToken[], generatedText: string | undefined): { logprobs: CompletionLogprobs; text: string } {
  const all = generatedText === undefined ? [...echoed] : [...echoed, { text: generatedText }];
  const logprobs: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = 0;
  all.forEach((token, i) => {
    logprobs.tokens.push(token.text);
    logprobs.text_offset.push(offset);
    offset += [...token.text].length;
    if (i === 0) {
      logprobs.token_logprobs.push(null);
      logprobs.top_logprobs.push(null);
      return;
    }
    const top = token.top ?? token.text;
    const alternatives: Record<string, number> = { [top]: -0.2 };
    if (top !== token.text) alternatives[token.text] = -2.5;
    logprobs.token_logprobs.push(alternatives[token.text]);
    logprobs.top_logprobs.push(alternatives);
  });
  return { logprobs, text: all.map((t) => t.text).join("") };
}

export function completionBody(logprobs: CompletionLogprobs | null, text: string, options: { promptTokens?: number; cachedTokens?: number; completionTokens?: number; finishReason?: string } = {}) {
  return {
    id: "cmpl-test",
    object: "text_completion",
    model: "toy",
    choices: [{ index: 0, text, logprobs, finish_reason: options.finishReason ?? "length" }],
    usage: {
      prompt_tokens: options.promptTokens ?? (logprobs ? logprobs.tokens.length - 1 : 0),
      completion_tokens: options.completionTokens ?? 1,
      total_tokens: 0,
      prompt_tokens_details: options.cachedTokens === undefined ? null : { cached_tokens: options.cachedTokens },
    },
  };
}

/**
 * A fake vLLM `/v1/completions` for token-id prompts with the {@link toyNext} verifier: echo +
 * logprobs (verification) or plain greedy generation (max_tokens tokens).
 */
export const toyVllmHandler: FaultyHandler = (request): FaultyResponse => {
  const body = request.json;
  if (!body || typeof body !== "object" || !("prompt" in body) || !Array.isArray(body.prompt)) {
    return { kind: "json", status: 400, body: { error: { message: "toy server: expected a token id prompt" } } };
  }
  const prompt = body.prompt.map(Number);
  const maxTokens = "max_tokens" in body ? Number(body.max_tokens) : 16;
  if ("echo" in body && body.echo) {
    return { kind: "json", body: completionBody(tokenIdLogprobs(prompt), `<text of ${prompt.length} tokens>`, { promptTokens: prompt.length, cachedTokens: 3 }) };
  }
  const generated = toyContinuation(prompt, maxTokens);
  const logprobs = "logprobs" in body && body.logprobs != null ? tokenIdLogprobs([...prompt, ...generated], toyNext, false) : null;
  const generatedLogprobs = logprobs && {
    tokens: logprobs.tokens.slice(prompt.length),
    token_logprobs: logprobs.token_logprobs.slice(prompt.length),
    top_logprobs: logprobs.top_logprobs.slice(prompt.length),
    text_offset: logprobs.text_offset.slice(prompt.length),
  };
  return {
    kind: "json",
    body: completionBody(generatedLogprobs, generated.map((id) => `<${id}>`).join(""), { promptTokens: prompt.length, completionTokens: maxTokens }),
  };
};
