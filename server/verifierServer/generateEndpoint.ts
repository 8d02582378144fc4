import { randomUUID } from "node:crypto";
import type { Token } from "node-llama-cpp";
import { decodeGreedy, type GreedyDecodingResult } from "./greedyDecoding.js";
import type { GenerateRequest } from "./requestSchemas.js";
import { findStopSequence, TokenText } from "./tokenText.js";
import { invalidRequest } from "./verifierHttpError.js";
import { logprobOf, type NextTokenPrediction } from "./verifierSlot.js";
import { checkFits, checkPromptIds, checkTextFits, outputText, stopList, tokenizePrompt, type VerifierEndpointContext } from "./completionEndpoints.js";

/** SGLang's default `max_new_tokens` (python/sglang/srt/sampling/sampling_params.py). */
export const DEFAULT_GENERATE_MAX_NEW_TOKENS = 128;

/** What the server sends instead of -Infinity, which JSON cannot carry (as in completions logprobs). */
const MIN_LOGPROB = -9999;

/**
 * SGLang's logprob entry: `[logprob, token_id, text]`, text null unless
 * `return_text_in_logprobs` (TokenizerManager.detokenize_logprob_tokens,
 * python/sglang/srt/managers/tokenizer_manager.py).
 */
export type SglangLogprobEntry = [number | null, number, string | null];

export interface GenerateMetaInfo {
  id: string;
  /** `{type: "length", length}` at max_new_tokens, `{type: "stop", matched}` at an end-of-generation token (its id) or a stop string. */
  finish_reason: { type: "length"; length: number } | { type: "stop"; matched: number | string };
  prompt_tokens: number;
  completion_tokens: number;
  /** Prompt tokens whose KV (and needed predictions) came from the slot's cache. */
  cached_tokens: number;
  /** One entry per `input_ids[logprob_start_len:]`; the first has a null logprob (SGLang pads it). */
  input_token_logprobs?: SglangLogprobEntry[];
  output_token_logprobs?: SglangLogprobEntry[];
  /** Aligned with input_token_logprobs; null where there is no prediction (the first). Present when top_logprobs_num > 0. */
  input_top_logprobs?: (SglangLogprobEntry[] | null)[];
  output_top_logprobs?: (SglangLogprobEntry[] | null)[];
}

/** SGLang's non-streaming `/generate` answer for one prompt: `{text, output_ids, meta_info}`. */
export interface GenerateResponse {
  text: string;
  output_ids: number[];
  meta_info: GenerateMetaInfo;
}

function clamp(logprob: number): number {
  return Math.max(logprob, MIN_LOGPROB);
}

/**
 * `POST /generate`, SGLang's native API (the subset in GenerateRequestSchema), greedy. With
 * `return_logprob`, logprobs are computed only where they are returned: prompt positions from
 * `logprob_start_len` on and the generated tokens, so a verification round (`input_ids` =
 * context + draft, `logprob_start_len` = one before the draft) scores K + 1 positions and the
 * context before it is a plain prefix-cache hit.
 */
export async function createGenerate(context: VerifierEndpointContext, request: GenerateRequest, signal: AbortSignal): Promise<GenerateResponse> {
  const { model } = context;
  let prompt: Token[];
  if (request.text != null) {
    checkTextFits(context, request.text, "text");
    prompt = tokenizePrompt(model, request.text).tokens;
  } else {
    prompt = checkPromptIds(model, request.input_ids ?? [], "input_ids");
  }
  const params = request.sampling_params ?? {};
  const maxNewTokens = params.max_new_tokens ?? DEFAULT_GENERATE_MAX_NEW_TOKENS;
  checkFits(context, prompt.length, maxNewTokens, "sampling_params.max_new_tokens");
  const returnLogprob = request.return_logprob ?? false;
  const requestedStart = request.logprob_start_len ?? -1;
  if (requestedStart >= prompt.length) {
    throw invalidRequest(`logprob_start_len is ${requestedStart}, but the prompt has ${prompt.length} tokens (it must be -1 or 0..${prompt.length - 1})`, "logprob_start_len");
  }
  // SGLang's scheduler turns -1 into len(input_ids) - 1: only the last input token (null logprob) and the output.
  const logprobStart = requestedStart < 0 ? prompt.length - 1 : requestedStart;
  const topCount = request.top_logprobs_num ?? 0;
  const withText = request.return_text_in_logprobs ?? false;
  const stops = stopList(params.stop);
  const text = new TokenText(model);

  const slot = await context.pool.acquire(prompt, signal);
  let result: GreedyDecodingResult;
  try {
    result = await decodeGreedy(slot, {
      prompt,
      maxTokens: maxNewTokens,
      promptLogprobsFrom: returnLogprob ? logprobStart : undefined,
      outputLogprobs: returnLogprob,
      isEndOfGeneration: (token) => model.isEogToken(token),
      shouldStop: stops.length > 0 ? (output) => findStopSequence(text.text(output, prompt), stops) >= 0 : undefined,
      signal,
    });
  } finally {
    context.pool.release(slot);
  }

  const tokenText = (token: Token) => (withText ? text.text([token]) : null);
  const entry = (token: Token, prediction: NextTokenPrediction | undefined): SglangLogprobEntry => {
    const logprob = prediction && logprobOf(prediction, token);
    return [logprob === undefined ? null : clamp(logprob), token, tokenText(token)];
  };
  const top = (prediction: NextTokenPrediction | undefined): SglangLogprobEntry[] | null =>
    prediction?.top ? prediction.top.slice(0, topCount).map((e) => [clamp(e.logprob), e.token, tokenText(e.token)]) : null;

  const generated = outputText(text, prompt, result, stops);
  const meta: GenerateMetaInfo = {
    id: request.rid ?? randomUUID().replaceAll("-", ""),
    finish_reason: finishReason(result, maxNewTokens, text.text(result.output, prompt), stops),
    prompt_tokens: prompt.length,
    completion_tokens: result.output.length,
    cached_tokens: result.cachedTokens,
  };
  if (returnLogprob) {
    const inputPositions = prompt.slice(logprobStart).map((_, i) => logprobStart + i);
    // Input token i is scored by the prediction after token i - 1; SGLang leaves the first entry null.
    meta.input_token_logprobs = inputPositions.map((i) => (i === logprobStart ? [null, prompt[i], tokenText(prompt[i])] : entry(prompt[i], result.promptPredictions[i - 1])));
    meta.output_token_logprobs = result.output.map((token, j) => entry(token, result.outputPredictions[j]));
    if (topCount > 0) {
      meta.input_top_logprobs = inputPositions.map((i) => (i === logprobStart ? null : top(result.promptPredictions[i - 1])));
      meta.output_top_logprobs = result.outputPredictions.map((prediction) => top(prediction));
    }
  }
  return { text: generated, output_ids: [...result.output], meta_info: meta };
}

function finishReason(result: GreedyDecodingResult, maxNewTokens: number, generated: string, stops: readonly string[]): GenerateMetaInfo["finish_reason"] {
  if (result.stopReason === "length") return { type: "length", length: maxNewTokens };
  if (result.stopReason === "stopSequence") {
    const at = findStopSequence(generated, stops);
    return { type: "stop", matched: stops.find((stop) => generated.indexOf(stop) === at) ?? "" };
  }
  return { type: "stop", matched: result.endOfGenerationToken ?? -1 };
}
