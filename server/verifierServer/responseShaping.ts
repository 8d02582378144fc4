import { randomUUID } from "node:crypto";
import type { Token } from "node-llama-cpp";
import type { GreedyDecodingResult, GreedyStopReason } from "./greedyDecoding.js";
import type { CodePointOffsetMirror, TokenText } from "./tokenText.js";
import { logprobOf, type NextTokenPrediction } from "./verifierSlot.js";

/** What OpenAI (and vLLM) send instead of -Infinity, which JSON cannot carry. */
const MIN_LOGPROB = -9999;

export type FinishReason = "stop" | "length";

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

export interface PromptTokensDetails {
  cached_tokens: number;
}

export interface CompletionChoice {
  /** The prompt's index in a batch (0 for a single prompt). */
  index: number;
  text: string;
  finish_reason: FinishReason;
  logprobs: CompletionLogprobs | null;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: PromptTokensDetails;
}

export interface CompletionResponse {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  /** One per prompt, in the order of the prompts. */
  choices: CompletionChoice[];
  usage: CompletionUsage;
}

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface ChatCompletionResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: "assistant"; content: string; refusal: null };
      finish_reason: FinishReason;
      logprobs: { content: (ChatTokenLogprob & { top_logprobs: ChatTokenLogprob[] })[]; refusal: null } | null;
    },
  ];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: PromptTokensDetails;
    completion_tokens_details: { accepted_prediction_tokens: number; rejected_prediction_tokens: number; reasoning_tokens: 0 };
  };
}

function clampLogprob(logprob: number): number {
  return Math.max(logprob, MIN_LOGPROB);
}

export function finishReason(stopReason: GreedyStopReason): FinishReason {
  return stopReason === "length" ? "length" : "stop";
}

/** The prediction for token `index` of prompt + output, i.e. the one made after tokens[0..index-1]. */
function predictionFor(result: GreedyDecodingResult, promptLength: number, index: number): NextTokenPrediction | undefined {
  if (index === 0) return undefined;
  return index < promptLength ? result.promptPredictions[index - 1] : result.outputPredictions[index - promptLength];
}

/**
 * The `top` alternatives at a position, best first, plus the actual token when it is not
 * among them (OpenAI's rule: up to `count + 1` entries). Tokens whose strings collide keep the
 * first (more likely) entry; `return_tokens_as_token_ids` avoids collisions altogether.
 */
function topAlternatives(actual: Token, prediction: NextTokenPrediction, count: number): [Token, number][] {
  const entries: [Token, number][] = (prediction.top ?? []).slice(0, count).map((e) => [e.token, clampLogprob(e.logprob)]);
  const actualLogprob = logprobOf(prediction, actual);
  if (!entries.some(([token]) => token === actual) && actualLogprob !== undefined) entries.push([actual, clampLogprob(actualLogprob)]);
  return entries;
}

/** One position's entry of completion logprobs: token i's label, logprob and top alternatives. */
interface CompletionLogprobsEntry {
  label: string;
  logprob: number | null;
  top: Record<string, number> | null;
}

/** What an entry was formatted for: the same prediction formats the same way again. */
interface FormattedEntry extends CompletionLogprobsEntry {
  actual: Token;
  count: number;
  asTokenIds: boolean;
}

// A slot keeps its predictions while their prefix is unchanged, so every speculative round
// re-sends the same prompt positions: their entries are formatted once, kept with the
// prediction they come from, and dropped with it.
const formattedEntries = new WeakMap<NextTokenPrediction, FormattedEntry>();

function formatEntry(text: TokenText, all: readonly Token[], index: number, prediction: NextTokenPrediction | undefined, count: number): CompletionLogprobsEntry {
  const actual = all[index];
  const kept = prediction && formattedEntries.get(prediction);
  if (kept && kept.actual === actual && kept.count === count && kept.asTokenIds === text.asTokenIds) return kept;
  const label = text.label(all, index);
  const logprob = prediction && logprobOf(prediction, actual);
  if (!prediction || logprob === undefined) return { label, logprob: null, top: null };
  const top: Record<string, number> = {};
  for (const [token, value] of topAlternatives(actual, prediction, count)) {
    const key = token === actual ? label : text.label(all, index, token);
    if (!(key in top)) top[key] = value;
  }
  const entry: FormattedEntry = { label, logprob: clampLogprob(logprob), top, actual, count, asTokenIds: text.asTokenIds };
  formattedEntries.set(prediction, entry);
  return entry;
}

/**
 * Legacy-completions logprobs over prompt + output (with echo) or output alone. Entry i
 * describes token i: `token_logprobs[i]` is its logprob under the prediction made after the
 * tokens before it, `top_logprobs[i]` maps the best `count` tokens of that same prediction
 * (and token i itself) to their logprobs, so its argmax is the verifier's greedy choice for
 * position i. The first prompt token has no prediction: null, null. `text_offset[i]` is where
 * token i's text starts in the choice's `text`, in code points. `textStart`: prompt tokens
 * before it (a BOS the server added) have no text. `offsetMirror`: the slot's, to reuse the
 * offsets of the prefix it served last.
 */
export function completionLogprobs(
  text: TokenText,
  prompt: readonly Token[],
  result: GreedyDecodingResult,
  echo: boolean,
  count: number,
  textStart = 0,
  offsetMirror?: CodePointOffsetMirror,
): CompletionLogprobs {
  const all = [...prompt, ...result.output];
  const first = echo ? 0 : prompt.length;
  const offsets = text.codePointOffsets(all, textStart, offsetMirror);
  const length = all.length - first;
  const logprobs: CompletionLogprobs = {
    tokens: new Array<string>(length),
    token_logprobs: new Array<number | null>(length),
    top_logprobs: new Array<Record<string, number> | null>(length),
    text_offset: new Array<number>(length),
  };
  for (let index = first; index < all.length; index++) {
    const entry = formatEntry(text, all, index, predictionFor(result, prompt.length, index), count);
    const at = index - first;
    logprobs.tokens[at] = entry.label;
    logprobs.token_logprobs[at] = entry.logprob;
    logprobs.top_logprobs[at] = entry.top;
    logprobs.text_offset[at] = offsets[index] - offsets[first];
  }
  return logprobs;
}

/** Chat logprobs (`choices[0].logprobs.content`): one entry per generated token. */
export function chatLogprobs(text: TokenText, prompt: readonly Token[], result: GreedyDecodingResult, count: number): ChatCompletionResponse["choices"][0]["logprobs"] {
  const all = [...prompt, ...result.output];
  const entry = (token: Token, index: number, logprob: number): ChatTokenLogprob => {
    const label = text.label(all, index, token);
    return { token: label, logprob, bytes: [...Buffer.from(label, "utf8")] };
  };
  return {
    content: result.output.map((token, j) => {
      const index = prompt.length + j;
      const prediction = result.outputPredictions[j];
      return {
        ...entry(token, index, clampLogprob(logprobOf(prediction, token) ?? -Infinity)),
        top_logprobs: (prediction.top ?? []).slice(0, count).map((e) => entry(e.token, index, clampLogprob(e.logprob))),
      };
    }),
    refusal: null,
  };
}

/** One prompt's choice and usage; a batch's usage is the sum over its prompts (as vLLM reports it). */
export interface CompletionPart {
  choice: CompletionChoice;
  usage: CompletionUsage;
}

export function completionPart(index: number, choiceText: string, result: GreedyDecodingResult, promptTokens: number, logprobs: CompletionLogprobs | null): CompletionPart {
  return {
    choice: { index, text: choiceText, finish_reason: finishReason(result.stopReason), logprobs },
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: result.output.length,
      total_tokens: promptTokens + result.output.length,
      prompt_tokens_details: { cached_tokens: result.cachedTokens },
    },
  };
}

export function completionResponse(modelId: string, parts: readonly CompletionPart[]): CompletionResponse {
  const sum = (field: (usage: CompletionUsage) => number) => parts.reduce((total, part) => total + field(part.usage), 0);
  return {
    id: `cmpl-${randomUUID().replaceAll("-", "")}`,
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: modelId,
    choices: parts.map((part) => part.choice),
    usage: {
      prompt_tokens: sum((usage) => usage.prompt_tokens),
      completion_tokens: sum((usage) => usage.completion_tokens),
      total_tokens: sum((usage) => usage.total_tokens),
      prompt_tokens_details: { cached_tokens: sum((usage) => usage.prompt_tokens_details.cached_tokens) },
    },
  };
}

export function chatCompletionResponse(
  modelId: string,
  content: string,
  result: GreedyDecodingResult,
  promptTokens: number,
  logprobs: ChatCompletionResponse["choices"][0]["logprobs"],
): ChatCompletionResponse {
  return {
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: modelId,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: finishReason(result.stopReason), logprobs }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: result.output.length,
      total_tokens: promptTokens + result.output.length,
      prompt_tokens_details: { cached_tokens: result.cachedTokens },
      completion_tokens_details: {
        accepted_prediction_tokens: result.acceptedDraftTokens,
        rejected_prediction_tokens: result.rejectedDraftTokens,
        reasoning_tokens: 0,
      },
    },
  };
}
