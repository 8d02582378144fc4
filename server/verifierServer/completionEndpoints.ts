import type { LlamaModel, Token } from "node-llama-cpp";
import { decodeGreedy, prefetchPredictions, type GreedyDecodingOptions, type GreedyDecodingResult } from "./greedyDecoding.js";
import { contentText, type ChatCompletionRequest, type CompletionRequest } from "./requestSchemas.js";
import {
  chatCompletionResponse,
  chatLogprobs,
  completionLogprobs,
  completionPart,
  completionResponse,
  type ChatCompletionResponse,
  type CompletionPart,
  type CompletionResponse,
} from "./responseShaping.js";
import { findStopSequence, TokenText } from "./tokenText.js";
import { invalidRequest } from "./verifierHttpError.js";
import type { VerifierSlot } from "./verifierSlot.js";
import type { VerifierSlotPool } from "./verifierSlotPool.js";

/** OpenAI's default `max_tokens` for legacy completions. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/** What the endpoints serve from: the one model, its slots, and the id clients see. */
export interface VerifierEndpointContext {
  model: LlamaModel;
  pool: VerifierSlotPool;
  modelId: string;
}

function vocabularySize(model: LlamaModel): number {
  return model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
}

const longestPieceBytes = new WeakMap<LlamaModel, number>();
/**
 * Bytes of the longest vocabulary piece as stored (SPM's "▁" and "<0xNN>" are longer than the
 * text they stand for), so text longer than contextSize × this cannot fit and is refused
 * without tokenizing megabytes on the event loop.
 */
function maxPieceBytes(model: LlamaModel): number {
  let bytes = longestPieceBytes.get(model);
  if (bytes === undefined) {
    // A loop, not Math.max(...pieces): a 256k-token vocabulary overflows the call stack as arguments.
    bytes = 1;
    for (const piece of model.fileInfo.metadata.tokenizer?.ggml?.tokens ?? []) bytes = Math.max(bytes, Buffer.byteLength(piece));
    longestPieceBytes.set(model, bytes);
  }
  return bytes;
}

/** Longest text (in bytes, hence also in UTF-16 units) that can tokenize to at most a context of tokens. */
function textLimit(context: VerifierEndpointContext): number {
  return context.pool.contextSize * maxPieceBytes(context.model);
}

export function checkTextFits(context: VerifierEndpointContext, text: string, param: string): void {
  const limit = textLimit(context);
  if (text.length > limit && Buffer.byteLength(text) > limit) {
    throw invalidRequest(`the ${param} text is longer than this model's context of ${context.pool.contextSize} tokens can hold`, param, "context_length_exceeded");
  }
}

/**
 * Text prompts are tokenized with special tokens parsed (`<|fim_prefix|>` is one token), plus
 * BOS if the model wants it; `textStart` is 1 when that BOS is not part of the text.
 */
export function tokenizePrompt(model: LlamaModel, text: string): { tokens: Token[]; textStart: number } {
  const tokens = model.tokenize(text, true);
  const bos = model.tokens.bos;
  if (!model.tokens.shouldPrependBosToken || bos == null || tokens[0] === bos) return { tokens, textStart: 0 };
  return { tokens: [bos, ...tokens], textStart: 1 };
}

export function checkPromptIds(model: LlamaModel, ids: readonly number[], param = "prompt"): Token[] {
  const size = vocabularySize(model);
  const bad = ids.findIndex((id) => id >= size);
  if (bad >= 0) throw invalidRequest(`${param}[${bad}] is token id ${ids[bad]}, but the vocabulary has ${size} tokens (0..${size - 1})`, param, "invalid_token_id");
  return ids.map((id) => id as Token);
}

/** Refuses what would overflow a slot: the KV cache never shifts, so prompt + completion must fit. */
export function checkFits(context: VerifierEndpointContext, promptTokens: number, maxTokens: number, maxTokensParam: string): void {
  const size = context.pool.contextSize;
  if (promptTokens === 0) throw invalidRequest("the prompt is empty: it has no tokens to evaluate", "prompt");
  if (promptTokens > size) {
    throw invalidRequest(`the prompt has ${promptTokens} tokens, but this model's context holds ${size}`, "prompt", "context_length_exceeded");
  }
  if (promptTokens + maxTokens > size) {
    throw invalidRequest(
      `this model's context holds ${size} tokens, but ${promptTokens + maxTokens} were requested (${promptTokens} in the prompt, ${maxTokens} in the completion)`,
      maxTokensParam,
      "context_length_exceeded",
    );
  }
}

export function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return typeof stop === "string" ? [stop] : stop;
}

/** Runs `work` on a slot chosen for `tokens`, released afterwards (responses are shaped while it is held: `shape` may reuse its mirrors). */
async function withSlot<T>(context: VerifierEndpointContext, tokens: readonly Token[], signal: AbortSignal, work: (slot: VerifierSlot) => Promise<T>): Promise<T> {
  const slot = await context.pool.acquire(tokens, signal);
  try {
    return await work(slot);
  } finally {
    context.pool.release(slot);
  }
}

function decode(context: VerifierEndpointContext, slot: VerifierSlot, options: Omit<GreedyDecodingOptions, "isEndOfGeneration" | "signal">, signal: AbortSignal): Promise<GreedyDecodingResult> {
  return decodeGreedy(slot, { ...options, isEndOfGeneration: (token) => context.model.isEogToken(token), signal });
}

/** Decodes on a slot, and shapes the response while the slot is still held. */
export function decodeOnSlot<T>(
  context: VerifierEndpointContext,
  options: Omit<GreedyDecodingOptions, "isEndOfGeneration" | "signal">,
  signal: AbortSignal,
  shape: (result: GreedyDecodingResult, slot: VerifierSlot) => T,
): Promise<T> {
  return withSlot(context, options.prompt, signal, async (slot) => shape(await decode(context, slot, options, signal), slot));
}

function isPrefix(prefix: readonly Token[], of: readonly Token[]): boolean {
  return prefix.length <= of.length && prefix.every((token, i) => token === of[i]);
}

/** The generated text, cut before the earliest stop sequence when one ended decoding. */
export function outputText(text: TokenText, prompt: readonly Token[], result: GreedyDecodingResult, stops: readonly string[]): string {
  const generated = text.text(result.output, prompt);
  const stopAt = result.stopReason === "stopSequence" ? findStopSequence(generated, stops) : -1;
  return stopAt >= 0 ? generated.slice(0, stopAt) : generated;
}

export interface CompletionPrompt {
  tokens: Token[];
  /** Prompt tokens before the text (a BOS the server added). */
  textStart: number;
  /** The prompt as the client sent it, when it was text. */
  text?: string;
}

export function completionPrompts(context: VerifierEndpointContext, prompt: CompletionRequest["prompt"]): CompletionPrompt[] {
  if (typeof prompt === "string") {
    checkTextFits(context, prompt, "prompt");
    return [{ ...tokenizePrompt(context.model, prompt), text: prompt }];
  }
  if (prompt.length > 0 && Array.isArray(prompt[0])) return (prompt as number[][]).map((ids) => ({ tokens: checkPromptIds(context.model, ids), textStart: 0 }));
  return [{ tokens: checkPromptIds(context.model, prompt as number[]), textStart: 0 }];
}

/**
 * `POST /v1/completions`: greedy completion with OpenAI's echo/logprobs semantics. A list of
 * token-id prompts gets one choice per prompt (`index` = its place in the list), all decoded on
 * one slot, longest first: when the others are prefixes of the longest (a prefix-probe round:
 * `context`, `context + d1`, …), ONE evaluation of the longest computes every answer (the argmax
 * after each prefix, and logprobs there when asked), and each is read from the cache.
 */
export async function createCompletion(context: VerifierEndpointContext, request: CompletionRequest, signal: AbortSignal): Promise<CompletionResponse> {
  const { model } = context;
  const prompts = completionPrompts(context, request.prompt);
  const maxTokens = request.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS;
  for (const prompt of prompts) checkFits(context, prompt.tokens.length, maxTokens, "max_tokens");
  const echo = request.echo ?? false;
  const logprobs = request.logprobs ?? null;
  const stops = stopList(request.stop);
  const text = new TokenText(model, request.return_tokens_as_token_ids ?? false);
  const batch = prompts.length > 1;

  const complete = async (slot: VerifierSlot, { tokens: prompt, textStart, text: promptText }: CompletionPrompt, index: number) => {
    const result = await decode(
      context,
      slot,
      {
        prompt,
        maxTokens,
        promptLogprobsFrom: echo && logprobs !== null ? 0 : undefined,
        outputLogprobs: logprobs !== null,
        retainCache: batch,
        shouldStop: stops.length > 0 ? (output) => findStopSequence(text.text(output, prompt), stops) >= 0 : undefined,
      },
      signal,
    );
    const choiceText = (echo ? (promptText ?? text.text(prompt)) : "") + outputText(text, prompt, result, stops);
    const choiceLogprobs = logprobs === null ? null : completionLogprobs(text, prompt, result, echo, logprobs, textStart, slot.textOffsets);
    return completionPart(index, choiceText, result, prompt.length, choiceLogprobs);
  };

  if (!batch) return withSlot(context, prompts[0].tokens, signal, async (slot) => completionResponse(context.modelId, [await complete(slot, prompts[0], 0)]));

  const order = prompts.map((_, index) => index).sort((a, b) => prompts[b].tokens.length - prompts[a].tokens.length);
  const longest = prompts[order[0]].tokens;
  return withSlot(context, longest, signal, async (slot) => {
    // Cached tokens are what the slot held before this request, not what the batch's own evaluation put there.
    let heldBefore = Infinity;
    if (!echo && maxTokens > 0 && prompts.every((prompt) => isPrefix(prompt.tokens, longest))) {
      const answerAt = new Set(prompts.map((prompt) => prompt.tokens.length - 1));
      const need = logprobs !== null ? "logprobs" : "token";
      heldBefore = await prefetchPredictions(slot, longest, (position) => (answerAt.has(position) ? need : "none"), signal);
    }
    const parts: CompletionPart[] = new Array(prompts.length);
    for (const index of order) {
      const part = await complete(slot, prompts[index], index);
      part.usage.prompt_tokens_details.cached_tokens = Math.min(part.usage.prompt_tokens_details.cached_tokens, heldBefore);
      parts[index] = part;
    }
    return completionResponse(context.modelId, parts);
  });
}

/**
 * `POST /v1/chat/completions`. The model has no chat template, so the prompt is the
 * concatenated content of all messages, in order, without roles or separators (special tokens
 * parsed). `prediction.content` is verified as a draft; the output is the same as without it.
 */
export async function createChatCompletion(context: VerifierEndpointContext, request: ChatCompletionRequest, signal: AbortSignal): Promise<ChatCompletionResponse> {
  const { model } = context;
  const promptText = request.messages.map((message) => contentText(message.content)).join("");
  checkTextFits(context, promptText, "messages");
  const { tokens: prompt } = tokenizePrompt(model, promptText);
  const maxTokensParam = request.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  // Without a limit, generation may run to the end of the slot's context (OpenAI's default).
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? Math.max(0, context.pool.contextSize - prompt.length);
  checkFits(context, prompt.length, maxTokens, maxTokensParam);
  // Draft tokens beyond maxTokens are never evaluated, so a prediction longer than any slot
  // could hold is cut (its first `limit` characters still make more than contextSize tokens)
  // rather than tokenized whole on the event loop; rejected tokens are counted on that cut.
  const predictionText = contentText(request.prediction?.content).slice(0, textLimit(context));
  const draft = predictionText === "" ? [] : model.tokenize(predictionText, true);
  const stops = stopList(request.stop);
  const text = new TokenText(model, request.return_tokens_as_token_ids ?? false);
  const wantLogprobs = request.logprobs ?? false;

  return decodeOnSlot(
    context,
    {
      prompt,
      maxTokens,
      draft,
      outputLogprobs: wantLogprobs,
      shouldStop: stops.length > 0 ? (output) => findStopSequence(text.text(output, prompt), stops) >= 0 : undefined,
    },
    signal,
    (result) => {
      const logprobs = wantLogprobs ? chatLogprobs(text, prompt, result, request.top_logprobs ?? 0) : null;
      return chatCompletionResponse(context.modelId, outputText(text, prompt, result, stops), result, prompt.length, logprobs);
    },
  );
}
