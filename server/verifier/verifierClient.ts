import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { CompletionCreateParamsNonStreaming } from "openai/resources/completions";
import type { z } from "zod";
import { createDelayedFetch, type FetchFunction, type NetworkDelayOptions } from "../network/delayedFetch.js";
import { isAbortError } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { errorMessageOf } from "../util/errorMessage.js";
import { tokenIdsOf } from "./logprobsAcceptance.js";
import { DEFAULT_RETRY_BASE_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from "./retryPolicy.js";
import { VerifierAuthError } from "./verifierAuthError.js";
import { stopReasonOf, usageOf, type GenerateRequest, type Generation, type VllmCompletionExtras } from "./verifierCalls.js";
import { DEFAULT_VERIFIER_MAX_RETRIES, DEFAULT_VERIFIER_TIMEOUT_MS } from "./verifierEndpointConfig.js";
import { VerifierResponseError } from "./verifierResponseError.js";
import { CompletionResponseSchema, ModelListResponseSchema } from "./verifierResponses.js";
import { OPENAI_TIMEOUT_SLACK_MS, validateResponse, VerifierTransport, type CallPolicy, type SendRequest } from "./verifierTransport.js";
import { VerifierUnavailableError } from "./verifierUnavailableError.js";

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

/** What one reachability probe (`VerifierClient.probe`) found. */
export type VerifierProbeResult =
  | { status: "ok"; latencyMs: number; modelListed: boolean }
  /** No HTTP answer: refused, cut, timed out. */
  | { status: "unreachable"; message: string }
  | { status: "unauthorized"; message: string }
  /** It answered, but with a failure (5xx, 404 on /models, garbage). */
  | { status: "failing"; message: string };

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

/**
 * A client for one OpenAI-compatible verifier endpoint: the transport every protocol sends
 * through (protocols/), plain generation, and a health probe.
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
    const { value, timing } = await this.completions(
      body,
      request.signal,
      (json) => {
        const response = this.validate(CompletionResponseSchema, json, "a completion");
        const [choice] = response.choices;
        let tokenIds: number[] | undefined;
        if (returnTokenIds) {
          if (!choice.logprobs) throw new VerifierResponseError("expected choices[0].logprobs (asked for token ids), found none");
          tokenIds = tokenIdsOf(choice.logprobs, "generated token");
        }
        return { text: choice.text, tokenIds, stopReason: stopReasonOf(choice.finish_reason), usage: usageOf(response.usage) };
      },
    );
    const { usage, ...result } = value;
    return { ...result, stats: { ...timing, usage } };
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

  private validate<Schema extends z.ZodType>(schema: Schema, json: unknown, what: string): z.output<Schema> {
    return validateResponse(schema, json, what);
  }

  /** `POST /v1/completions` through the transport: every protocol's and `generate`'s. */
  completions<T>(body: CompletionCreateParamsNonStreaming & VllmCompletionExtras, signal: AbortSignal | undefined, parse: (json: unknown) => T) {
    return this.call("POST /completions", signal, (options) => this.openai.completions.create(body, options).asResponse(), parse);
  }

  /** `POST /v1/chat/completions` through the transport. */
  chatCompletions<T>(body: ChatCompletionCreateParamsNonStreaming, signal: AbortSignal | undefined, parse: (json: unknown) => T) {
    return this.call("POST /chat/completions", signal, (options) => this.openai.chat.completions.create(body, options).asResponse(), parse);
  }

  private call<T>(request: string, signal: AbortSignal | undefined, send: SendRequest, parse: (json: unknown) => T, policy?: CallPolicy) {
    return this.transport.call(request, signal, send, parse, policy);
  }
}
