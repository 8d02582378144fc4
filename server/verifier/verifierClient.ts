import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { CompletionCreateParamsNonStreaming } from "openai/resources/completions";
import { z } from "zod";
import { createDelayedFetch, type FetchFunction, type NetworkDelayOptions } from "../network/delayedFetch.js";
import { isAbortError } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { predictionBody } from "./protocols/predictedOutputsProtocol.js";
import { acceptDraftText, acceptDraftTokenIds, parseTokenId, type TextAcceptance, type TokenIdAcceptance } from "./logprobsAcceptance.js";
import { DEFAULT_RETRY_BASE_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from "./retryPolicy.js";
import { VerifierAuthError } from "./verifierAuthError.js";
import { DEFAULT_VERIFIER_MAX_RETRIES, DEFAULT_VERIFIER_TIMEOUT_MS } from "./verifierEndpointConfig.js";
import { VerifierResponseError } from "./verifierResponseError.js";
import {
  ChatCompletionResponseSchema,
  CompletionResponseSchema,
  EchoedCompletionResponseSchema,
  ModelListResponseSchema,
  TopLogprobsSchema,
  type CompletionLogprobs,
  type CompletionResponse,
  type UsageSchema,
} from "./verifierResponses.js";
import { OPENAI_TIMEOUT_SLACK_MS, validateResponse, VerifierTransport, type CallPolicy, type SendRequest } from "./verifierTransport.js";
import { VerifierUnavailableError } from "./verifierUnavailableError.js";
import { errorMessageOf } from "../util/errorMessage.js";

/** The health probe answers fast or counts as unreachable; it is never retried. */
export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;
// openai insists on credentials; a keyless endpoint gets this placeholder and the header is then removed.
const NO_API_KEY = "no-api-key";

export interface VerifierClientOptions {
  /** `http(s)://host:port` (then `/v1` is appended) or a full API root such as `https://host/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token; never appears in an error. Default: none (no Authorization header). */
  apiKey?: string;
  /** Per attempt, headers and body. Default {@link DEFAULT_VERIFIER_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default {@link DEFAULT_VERIFIER_MAX_RETRIES}. */
  maxRetries?: number;
  /** Default {@link DEFAULT_RETRY_BASE_DELAY_MS}. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry, and the most retry-after we honour. Default {@link DEFAULT_RETRY_MAX_DELAY_MS}. */
  retryMaxDelayMs?: number;
  /** Emulated round trip added to every request (benchmarks, the profiler). Default: none. */
  networkDelay?: NetworkDelayOptions;
  /** The fetch that sends requests (wrapped by `networkDelay` when both are given). Default: global fetch. */
  fetch?: FetchFunction;
  /** Source of backoff jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export interface VerifierUsage {
  promptTokens: number;
  /** Prompt tokens served from the endpoint's prefix cache (`prompt_tokens_details.cached_tokens`), 0 when not reported. */
  cachedTokens: number;
  completionTokens: number;
}

export interface VerifierCallStats {
  /** Wall clock of the whole call, ms: every attempt and every backoff wait. */
  latencyMs: number;
  /** Wall clock of the attempt that succeeded, ms: request sent to body parsed. */
  attemptMs: number;
  /** The part of `latencyMs` that was emulated network delay (`networkDelay`), ms. */
  networkMs: number;
  /** HTTP attempts made, 1 when no retry was needed. */
  attempts: number;
  usage: VerifierUsage;
}

/** Why the verifier stopped: `stop` = end of text or a stop sequence, `maxTokens` = the budget ran out. */
export type VerifierStopReason = "stop" | "maxTokens" | "other";

export interface TokenIdVerifyRequest {
  prompt: readonly number[];
  draft: readonly number[];
  signal?: AbortSignal;
  /** Prompt + draft as text, to recover the bonus token's text (see `acceptDraftTokenIds`). */
  echoedText?: string;
}

export interface TextVerifyRequest {
  prompt: string;
  draft: string;
  signal?: AbortSignal;
}

export interface TokenIdVerification extends TokenIdAcceptance {
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface TextVerification extends TextAcceptance {
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface PredictRequest {
  prompt: string;
  prediction: string;
  maxTokens: number;
  signal?: AbortSignal;
}

/** A chat completion whose draft went as the `prediction` (predicted outputs), with how much of it the endpoint accepted. */
export interface PredictedOutputsCompletion {
  text: string;
  acceptedPredictionTokens: number;
  rejectedPredictionTokens: number;
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface GenerateRequest {
  /** Token ids (shared tokenizer) or text. */
  prompt: readonly number[] | string;
  maxTokens: number;
  stop?: string | string[];
  signal?: AbortSignal;
  /** Also return the generated token ids (asks for logprobs with `return_tokens_as_token_ids`). Default false. */
  returnTokenIds?: boolean;
}

export interface Generation {
  text: string;
  tokenIds: number[] | undefined;
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

/** What one reachability probe (`VerifierClient.probe`) found. */
export type VerifierProbeResult =
  | { status: "ok"; latencyMs: number; modelListed: boolean }
  /** No HTTP answer: refused, cut, timed out. */
  | { status: "unreachable"; message: string }
  | { status: "unauthorized"; message: string }
  /** It answered, but with a failure (5xx, 404 on /models, garbage). */
  | { status: "failing"; message: string };

/** Extra request fields vLLM understands; unknown fields pass through the openai client untouched. */
interface VllmCompletionExtras {
  /** Every token string in logprobs comes back as `token_id:<id>`. */
  return_tokens_as_token_ids?: boolean;
}

function isTextRequest(request: TokenIdVerifyRequest | TextVerifyRequest): request is TextVerifyRequest {
  return typeof request.prompt === "string";
}

/** `http://host:port` → `http://host:port/v1`; a URL that already has a path is the API root as given. */
export function verifierApiRoot(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path === "" ? "/v1" : path;
  return url.toString().replace(/\/+$/, "");
}

/** `http://host:port/v1` → `http://host:port`: where an engine's native routes are (SGLang's `/generate`, llama-server's `/completion`). */
export function verifierServerRoot(baseUrl: string): string {
  return verifierApiRoot(baseUrl).replace(/\/v1$/, "");
}

/** The endpoint as named in messages: no credentials, no query string. */
function describeEndpoint(baseUrl: string): string {
  const url = new URL(verifierApiRoot(baseUrl));
  return `${url.origin}${url.pathname}`;
}

function toUsage(usage: z.infer<typeof UsageSchema>): VerifierUsage {
  return {
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens,
  };
}

function toStopReason(finishReason: string | null | undefined): VerifierStopReason {
  if (finishReason === "stop") return "stop";
  if (finishReason === "length") return "maxTokens";
  return "other";
}

/**
 * A client for one OpenAI-compatible verifier endpoint: greedy verification of drafts
 * (`logprobs` protocol), predicted outputs, plain generation, and a health probe.
 *
 * Retries are ours, not the openai client's (it runs with `maxRetries: 0`), so the rules are
 * exact and attempts are counted: 429/500/502/503/504 and connection errors are retried with
 * capped exponential backoff and jitter, honouring `retry-after-ms`/`retry-after`; 4xx and
 * timeouts are not; a cancelled call is never retried and rejects with an AbortError.
 */
export class VerifierClient {
  readonly endpoint: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Attempts, timeouts, retries and failure classification of every request, whatever the protocol. */
  readonly transport: VerifierTransport;
  /** `https://host/v1`: where the OpenAI routes live. */
  readonly apiRoot: string;
  /** `https://host`: where the native routes live (`/generate`, `/completion`, `/props`, ...). */
  readonly serverRoot: string;
  private readonly openai: OpenAI;

  constructor(options: VerifierClientOptions) {
    this.endpoint = describeEndpoint(options.baseUrl);
    this.model = options.model;
    this.apiRoot = verifierApiRoot(options.baseUrl);
    this.serverRoot = verifierServerRoot(options.baseUrl);
    const apiKey = options.apiKey || undefined;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_VERIFIER_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_VERIFIER_MAX_RETRIES;
    const fetch = options.networkDelay ? createDelayedFetch({ ...options.networkDelay, fetch: options.fetch }) : options.fetch;
    this.transport = new VerifierTransport({
      endpoint: this.endpoint,
      apiKey,
      timeoutMs: this.timeoutMs,
      maxRetries: this.maxRetries,
      retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
      random: options.random,
      fetch,
    });
    this.openai = new OpenAI({
      baseURL: this.apiRoot,
      apiKey: apiKey ?? NO_API_KEY,
      // Explicit nulls: otherwise OPENAI_* environment variables would be sent to any endpoint.
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      defaultHeaders: apiKey ? undefined : { Authorization: null },
      maxRetries: 0,
      timeout: this.timeoutMs + OPENAI_TIMEOUT_SLACK_MS,
      fetch,
      logLevel: "off",
    });
  }

  get disposed(): boolean {
    return this.transport.disposed;
  }

  /**
   * Greedy verification of a draft in one `/v1/completions` call (echo, logprobs 1, max_tokens 1,
   * temperature 0). Token ids when drafter and verifier share a tokenizer, else text.
   */
  verifyDraft(request: TokenIdVerifyRequest): Promise<TokenIdVerification>;
  verifyDraft(request: TextVerifyRequest): Promise<TextVerification>;
  verifyDraft(request: TokenIdVerifyRequest | TextVerifyRequest): Promise<TokenIdVerification | TextVerification> {
    return isTextRequest(request) ? this.verifyDraftText(request) : this.verifyDraftTokenIds(request);
  }

  async verifyDraftTokenIds(request: TokenIdVerifyRequest): Promise<TokenIdVerification> {
    const { prompt, draft } = request;
    if (draft.length > 0 && prompt.length === 0) {
      throw new RangeError("verifyDraft expects a non-empty prompt: the first position has no logprobs to judge a draft token by");
    }
    const { value, timing } = await this.postCompletion(
      this.echoTokenIdsBody([...prompt, ...draft]),
      request.signal,
      (json) => {
        const { choice, usage } = this.completionWithLogprobs(json, EchoedCompletionResponseSchema);
        // The decision reads the alternatives at the draft positions only (the prompt's are echoed, unused).
        this.validateTopLogprobs(choice.logprobs, prompt.length, prompt.length + draft.length);
        const acceptance = acceptDraftTokenIds({ prompt, draft, logprobs: choice.logprobs, choiceText: choice.text, echoedText: request.echoedText });
        return { ...acceptance, stopReason: toStopReason(choice.finish_reason), usage };
      },
    );
    const { usage, ...result } = value;
    return { ...result, stats: { ...timing, usage } };
  }

  async verifyDraftText(request: TextVerifyRequest): Promise<TextVerification> {
    const { prompt, draft } = request;
    const body = {
      model: this.model,
      prompt: prompt + draft,
      echo: true,
      logprobs: 1,
      max_tokens: 1,
      temperature: 0,
    } satisfies CompletionCreateParamsNonStreaming;
    const { value, timing } = await this.postCompletion(
      body,
      request.signal,
      (json) => {
        const { choice, usage } = this.completionWithLogprobs(json);
        const acceptance = acceptDraftText({
          prompt,
          draft,
          logprobs: choice.logprobs,
          choiceText: choice.text,
          generatedTokens: usage.completionTokens,
        });
        return { ...acceptance, stopReason: toStopReason(choice.finish_reason), usage };
      },
    );
    const { usage, ...result } = value;
    return { ...result, stats: { ...timing, usage } };
  }

  /** Predicted outputs: `/v1/chat/completions` with the draft as `prediction`. */
  async predict(request: PredictRequest): Promise<PredictedOutputsCompletion> {
    const body = predictionBody(this.model, request.prompt, request.prediction, request.maxTokens) satisfies ChatCompletionCreateParamsNonStreaming;
    const { value, timing } = await this.call(
      "POST /chat/completions",
      request.signal,
      (options) => this.openai.chat.completions.create(body, options).asResponse(),
      (json) => {
        const response = this.validate(ChatCompletionResponseSchema, json, "a chat completion");
        const [choice] = response.choices;
        const details = response.usage.completion_tokens_details;
        return {
          text: choice.message.content ?? "",
          acceptedPredictionTokens: details?.accepted_prediction_tokens ?? 0,
          rejectedPredictionTokens: details?.rejected_prediction_tokens ?? 0,
          stopReason: toStopReason(choice.finish_reason),
          usage: toUsage(response.usage),
        };
      },
    );
    const { usage, ...result } = value;
    return { ...result, stats: { ...timing, usage } };
  }

  /** Verifier-only generation (K = 0): plain greedy `/v1/completions`. */
  async generate(request: GenerateRequest): Promise<Generation> {
    const returnTokenIds = request.returnTokenIds ?? false;
    const body = {
      model: this.model,
      prompt: typeof request.prompt === "string" ? request.prompt : [...request.prompt],
      max_tokens: request.maxTokens,
      temperature: 0,
      ...(request.stop !== undefined && { stop: request.stop }),
      ...(returnTokenIds && { logprobs: 1, return_tokens_as_token_ids: true }),
    } satisfies CompletionCreateParamsNonStreaming & VllmCompletionExtras;
    const { value, timing } = await this.postCompletion(
      body,
      request.signal,
      (json) => {
        const response = this.validate(CompletionResponseSchema, json, "a completion");
        const [choice] = response.choices;
        let tokenIds: number[] | undefined;
        if (returnTokenIds) {
          if (!choice.logprobs) throw new VerifierResponseError("expected choices[0].logprobs (asked for token ids), found none");
          tokenIds = choice.logprobs.tokens.map((token, i) => parseTokenId(token, `generated token ${i}`));
        }
        return { text: choice.text, tokenIds, stopReason: toStopReason(choice.finish_reason), usage: toUsage(response.usage) };
      },
    );
    const { usage, ...result } = value;
    return { ...result, stats: { ...timing, usage } };
  }

  /**
   * How the verifier tokenizes `text` (special tokens parsed, as servers do for text prompts):
   * the echoed prompt of a one-token completion with `return_tokens_as_token_ids`. Compared with
   * the drafter's tokenization it tells whether token ids can be exchanged.
   */
  async tokenizeByEcho(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    const { value } = await this.postCompletion(this.echoTokenIdsBody(text), options.signal, (json) => {
      const { choice, usage } = this.completionWithLogprobs(json, EchoedCompletionResponseSchema);
      const echoed = choice.logprobs.tokens.slice(0, usage.promptTokens);
      return echoed.map((token, i) => parseTokenId(token, `echoed token ${i}`));
    });
    return value;
  }

  /** The model ids the endpoint serves (`GET /v1/models`). */
  async listModels(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { value } = await this.call("GET /models", options.signal, (request) => this.openai.models.list(request).asResponse(), (json) =>
      this.validate(ModelListResponseSchema, json, "a model list").data.map((model) => model.id),
    );
    return value;
  }

  /**
   * One quick `GET /v1/models`, no retry: is the endpoint there, do our credentials work, does
   * it serve our model. Never throws, except an AbortError when cancelled and DisposedError after dispose.
   */
  async probe(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<VerifierProbeResult> {
    try {
      const { value, timing } = await this.call(
        "GET /models",
        options.signal,
        (request) => this.openai.models.list(request).asResponse(),
        (json) => this.validate(ModelListResponseSchema, json, "a model list").data.map((model) => model.id),
        { maxRetries: 0, timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS },
      );
      return { status: "ok", latencyMs: timing.latencyMs, modelListed: value.includes(this.model) };
    } catch (error) {
      if (isAbortError(error) || error instanceof DisposedError) throw error;
      const message = errorMessageOf(error);
      if (error instanceof VerifierAuthError) return { status: "unauthorized", message };
      if (error instanceof VerifierUnavailableError && error.status === undefined) return { status: "unreachable", message };
      return { status: "failing", message };
    }
  }

  dispose(): void {
    this.transport.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  /** One generated token after the echoed prompt, with every position's top-1 as `token_id:<id>`: the verification call. */
  private echoTokenIdsBody(prompt: string | number[]) {
    return {
      model: this.model,
      prompt,
      echo: true,
      logprobs: 1,
      max_tokens: 1,
      temperature: 0,
      return_tokens_as_token_ids: true,
    } satisfies CompletionCreateParamsNonStreaming & VllmCompletionExtras;
  }

  /** `schema`: {@link EchoedCompletionResponseSchema} when the caller validates the `top_logprobs` entries it reads. */
  private completionWithLogprobs(json: unknown, schema: typeof CompletionResponseSchema | typeof EchoedCompletionResponseSchema = CompletionResponseSchema) {
    const response: CompletionResponse = this.validate(schema, json, "a completion");
    const [choice] = response.choices;
    if (!choice.logprobs) {
      throw new VerifierResponseError("expected choices[0].logprobs (the endpoint must support echo with logprobs), found none");
    }
    return { choice: { ...choice, logprobs: choice.logprobs }, usage: toUsage(response.usage) };
  }

  /** Validates `top_logprobs[from..to)` as {@link TopLogprobsSchema}; positions past the array are left to the decision's alignment checks. */
  private validateTopLogprobs(logprobs: CompletionLogprobs, from: number, to: number): void {
    for (let position = from; position < Math.min(to, logprobs.top_logprobs.length); position++) {
      this.validate(TopLogprobsSchema, logprobs.top_logprobs[position], `choices[0].logprobs.top_logprobs[${position}] as token → logprob or null`);
    }
  }

  private validate<Schema extends z.ZodType>(schema: Schema, json: unknown, what: string): z.output<Schema> {
    return validateResponse(schema, json, what);
  }

  /** Every `/completions` call goes through here: one route name, one send function. */
  private postCompletion<T>(
    body: CompletionCreateParamsNonStreaming & VllmCompletionExtras,
    signal: AbortSignal | undefined,
    parse: (json: unknown) => T,
  ) {
    return this.call("POST /completions", signal, (options) => this.openai.completions.create(body, options).asResponse(), parse);
  }

  private call<T>(request: string, signal: AbortSignal | undefined, send: SendRequest, parse: (json: unknown) => T, policy?: CallPolicy) {
    return this.transport.call(request, signal, send, parse, policy);
  }
}
