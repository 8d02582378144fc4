import { APIConnectionTimeoutError, APIError } from "openai";
import { z } from "zod";
import { abortableSleep } from "../network/abortableSleep.js";
import type { FetchFunction } from "../network/delayedFetch.js";
import { InjectedDelayMeter } from "../network/injectedDelayMeter.js";
import { abortError, throwIfAborted } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { backoffDelayMs, DEFAULT_RETRY_BASE_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS, isRetryableStatus, parseRetryAfterMs } from "./retryPolicy.js";
import { VerifierAuthError } from "./verifierAuthError.js";
import { DEFAULT_VERIFIER_MAX_RETRIES, DEFAULT_VERIFIER_TIMEOUT_MS } from "./verifierEndpointConfig.js";
import { VerifierRequestError } from "./verifierRequestError.js";
import { VerifierResponseError } from "./verifierResponseError.js";
import { VerifierTimeoutError } from "./verifierTimeoutError.js";
import { VerifierUnavailableError } from "./verifierUnavailableError.js";

// openai's own timeout stops at the response headers; ours also covers the body, so it must fire first.
export const OPENAI_TIMEOUT_SLACK_MS = 1_000;
const SERVER_MESSAGE_MAX_CHARS = 200;

export interface VerifierTransportOptions {
  /** The endpoint as named in messages (no credentials). */
  endpoint: string;
  /** Redacted from every message; sent as a bearer token by {@link VerifierTransport.postJson}. */
  apiKey?: string;
  /** Per attempt, headers and body. Default {@link DEFAULT_VERIFIER_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default {@link DEFAULT_VERIFIER_MAX_RETRIES}. */
  maxRetries?: number;
  /** Default {@link DEFAULT_RETRY_BASE_DELAY_MS}. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry, and the most retry-after we honour. Default {@link DEFAULT_RETRY_MAX_DELAY_MS}. */
  retryMaxDelayMs?: number;
  /** Sends the native (non-openai) requests. Default: global fetch. */
  fetch?: FetchFunction;
  /** Source of backoff jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export interface CallPolicy {
  maxRetries: number;
  timeoutMs: number;
}

export interface CallTiming {
  /** Wall clock of the whole call, ms: every attempt and every backoff wait. */
  latencyMs: number;
  /** Wall clock of the attempt that succeeded, ms: request sent to body parsed. */
  attemptMs: number;
  /** The part of `latencyMs` that was emulated network delay, ms. */
  networkMs: number;
  /** HTTP attempts made, 1 when no retry was needed. */
  attempts: number;
}

/** What one attempt passes to the sender (a subset of the openai client's RequestOptions). */
export interface AttemptRequestOptions {
  signal: AbortSignal;
  timeout: number;
  maxRetries: number;
  headers: Record<string, string>;
}

/** Sends one attempt; a non-2xx answer must reject (openai's APIError, or {@link HttpStatusFailure}). */
export type SendRequest = (options: AttemptRequestOptions) => Promise<Response>;

/** A non-2xx answer to a native request, shaped like what openai's APIError tells us. */
export class HttpStatusFailure extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    /** The server's own explanation, when its body had one. */
    readonly serverMessage: string | undefined,
  ) {
    super(`HTTP ${status}`);
    this.name = "HttpStatusFailure";
  }
}

/** A failed attempt that may be retried. */
interface RetryableFailure {
  reason: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** The innermost cause (undici's socket error, the system error) and its code, if any. */
function rootCause(error: unknown): { root: unknown; code: string | undefined } {
  let current = error;
  let code: string | undefined;
  for (let depth = 0; depth < 8; depth++) {
    if (current instanceof Error && "code" in current && typeof current.code === "string") code = current.code;
    if (!(current instanceof Error) || current.cause === undefined) break;
    current = current.cause;
  }
  return { root: current, code };
}

const ErrorBodySchema = z.union([
  // OpenAI, vLLM, llama-server: {"error": {"message": ...}}
  z.object({ error: z.object({ message: z.string() }) }).transform((body) => body.error.message),
  // FastAPI (SGLang's native routes): {"detail": ...}; some servers: {"error": "..."} or {"message": ...}
  z.object({ detail: z.string() }).transform((body) => body.detail),
  z.object({ error: z.string() }).transform((body) => body.error),
  z.object({ message: z.string() }).transform((body) => body.message),
]);

/** The explanation in an error body: a known JSON shape, else the start of the text. */
export function errorBodyMessage(text: string): string | undefined {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through to the text itself
  }
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed;
}

/**
 * How every verifier request travels, whatever the protocol: attempts under a per-attempt
 * timeout, failure classification, capped exponential backoff with jitter honouring
 * `retry-after-ms`/`retry-after`, and cancellation. Retries are ours, never a client
 * library's, so the rules are exact and attempts are counted: 429/500/502/503/504 and
 * connection errors are retried; 401/403 become {@link VerifierAuthError}, other 4xx
 * {@link VerifierRequestError}, a timeout {@link VerifierTimeoutError} (not retried); a
 * cancelled call is never retried and rejects with an AbortError.
 */
export class VerifierTransport {
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly hasApiKey: boolean;
  private readonly apiKey: string | undefined;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly random: () => number;
  private readonly fetch: FetchFunction;
  // Aborts every call in flight on dispose.
  private readonly lifetime = new AbortController();

  constructor(options: VerifierTransportOptions) {
    this.endpoint = options.endpoint;
    this.apiKey = options.apiKey || undefined;
    this.hasApiKey = this.apiKey !== undefined;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_VERIFIER_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_VERIFIER_MAX_RETRIES;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
    this.random = options.random ?? Math.random;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  get disposed(): boolean {
    return this.lifetime.signal.aborted;
  }

  dispose(): void {
    this.lifetime.abort(new DisposedError("The verifier client"));
  }

  redact(text: string): string {
    return this.apiKey ? text.split(this.apiKey).join("[api key]") : text;
  }

  /** A JSON request to a native route (`url` absolute), through {@link call}. */
  requestJson<T>(
    method: "GET" | "POST",
    url: string,
    request: string,
    body: unknown,
    signal: AbortSignal | undefined,
    parse: (json: unknown) => T,
    policy?: CallPolicy,
  ) {
    return this.call(request, signal, this.jsonSender(method, url, body, "application/json"), parse, policy);
  }

  /** Sends a native JSON request; a non-2xx answer rejects with {@link HttpStatusFailure}. */
  private jsonSender(method: "GET" | "POST", url: string, body: unknown, accept: string): SendRequest {
    return async (options) => {
      const response = await this.fetch(url, {
        method,
        signal: options.signal,
        headers: {
          ...(body !== undefined && { "Content-Type": "application/json" }),
          Accept: accept,
          ...(this.apiKey && { Authorization: `Bearer ${this.apiKey}` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new HttpStatusFailure(response.status, response.headers, errorBodyMessage(await response.text().catch(() => "")));
      return response;
    };
  }

  /** Runs one logical call: attempts, classification, backoff; `parse` turns the JSON into the result. */
  call<T>(request: string, signal: AbortSignal | undefined, send: SendRequest, parse: (json: unknown) => T, policy?: CallPolicy): Promise<{ value: T; timing: CallTiming }> {
    return this.run(request, signal, send, (response) => response.text(), (body) => this.parseBody(request, body, parse), policy);
  }

  /**
   * A JSON POST whose answer is read as it arrives (server-sent events): attempts,
   * classification and retries as {@link call} up to the response headers; the body is the
   * caller's to read, under `signal` and the attempt's timeout (which covers the body too).
   */
  openStream(url: string, request: string, body: unknown, signal: AbortSignal | undefined, policy?: CallPolicy): Promise<{ value: Response; timing: CallTiming }> {
    return this.run(request, signal, this.jsonSender("POST", url, body, "text/event-stream"), async (response) => response, (response) => response, policy);
  }

  /** Attempts until one is read (`read`, inside the attempt's timeout), then `finish` turns it into the result. */
  private async run<R, T>(
    request: string,
    signal: AbortSignal | undefined,
    send: SendRequest,
    read: (response: Response) => Promise<R>,
    finish: (read: R) => T,
    policy?: CallPolicy,
  ): Promise<{ value: T; timing: CallTiming }> {
    if (this.disposed) throw new DisposedError("The verifier client");
    const { maxRetries, timeoutMs } = policy ?? { maxRetries: this.maxRetries, timeoutMs: this.timeoutMs };
    const callSignal = signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
    const meter = new InjectedDelayMeter();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = performance.now();
      const outcome = await this.attempt(request, send, read, callSignal, timeoutMs, attempt, meter);
      if ("read" in outcome) {
        const value = finish(outcome.read);
        const now = performance.now();
        return { value, timing: { latencyMs: now - started, attemptMs: now - attemptStarted, networkMs: meter.totalMs, attempts: attempt } };
      }
      const { failure } = outcome;
      const unavailable = (extra = "") =>
        new VerifierUnavailableError(this.endpoint, this.redact(failure.reason + extra), {
          attempts: attempt,
          status: failure.status,
          retryAfterMs: failure.retryAfterMs,
          cause: failure.cause,
        });
      if (attempt > maxRetries) throw unavailable();
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.retryMaxDelayMs) {
        throw unavailable(`; it asked to retry after ${Math.round(failure.retryAfterMs)} ms, longer than our ${this.retryMaxDelayMs} ms cap`);
      }
      await abortableSleep(failure.retryAfterMs ?? backoffDelayMs(attempt, this.retryBaseDelayMs, this.retryMaxDelayMs, this.random), callSignal);
    }
  }

  /** One HTTP attempt under its own timeout; a retryable failure is returned, anything else thrown. */
  private async attempt<R>(
    request: string,
    send: SendRequest,
    read: (response: Response) => Promise<R>,
    callSignal: AbortSignal,
    timeoutMs: number,
    attempt: number,
    meter: InjectedDelayMeter,
  ): Promise<{ read: R } | { failure: RetryableFailure }> {
    throwIfAborted(callSignal);
    const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    let stage: "headers" | "body" = "headers";
    try {
      const options: AttemptRequestOptions = {
        signal: AbortSignal.any([callSignal, timeout]),
        timeout: Math.ceil(timeoutMs) + OPENAI_TIMEOUT_SLACK_MS,
        maxRetries: 0,
        // The openai client would say 0 on every attempt, since it does not retry itself.
        headers: { "X-Stainless-Retry-Count": String(attempt - 1) },
      };
      const response = await meter.run(() => send(options));
      stage = "body";
      return { read: await read(response) };
    } catch (error) {
      if (callSignal.aborted) throw abortError(callSignal);
      if (timeout.aborted || error instanceof APIConnectionTimeoutError) throw new VerifierTimeoutError(this.endpoint, timeoutMs, attempt);
      return { failure: this.classifyFailure(request, error, stage) };
    }
  }

  private classifyFailure(request: string, error: unknown, stage: "headers" | "body"): RetryableFailure {
    const status = error instanceof HttpStatusFailure ? error.status : error instanceof APIError ? error.status : undefined;
    if ((error instanceof APIError || error instanceof HttpStatusFailure) && status !== undefined) {
      if (status === 401 || status === 403) throw new VerifierAuthError(this.endpoint, status, this.hasApiKey);
      if (isRetryableStatus(status)) return { reason: `expected HTTP 2xx, found ${status}`, status, retryAfterMs: parseRetryAfterMs(error.headers) };
      throw new VerifierRequestError(this.endpoint, request, status, this.serverMessage(error));
    }
    // openai wraps fetch failures in APIConnectionError; fetch itself rejects with a TypeError (also for a body cut short).
    if (error instanceof APIError || error instanceof TypeError) {
      const { root, code } = rootCause(error);
      const detail = root instanceof Error ? `${code ? `${code}: ` : ""}${root.message}` : String(root);
      const expected = stage === "headers" ? "expected an HTTP response" : "expected the whole response body";
      return { reason: `${expected}, found a connection error (${detail})`, cause: root };
    }
    throw error;
  }

  /** The server's own explanation, shortened and redacted. */
  private serverMessage(error: APIError | HttpStatusFailure): string | undefined {
    let message: string | undefined;
    if (error instanceof HttpStatusFailure) message = error.serverMessage;
    else {
      const body: unknown = error.error;
      message = body && typeof body === "object" && "message" in body && typeof body.message === "string" ? body.message : undefined;
    }
    if (!message) return undefined;
    const redacted = this.redact(message);
    return redacted.length > SERVER_MESSAGE_MAX_CHARS ? `${redacted.slice(0, SERVER_MESSAGE_MAX_CHARS)}…` : redacted;
  }

  private parseBody<T>(request: string, body: string, parse: (json: unknown) => T): T {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new VerifierResponseError(
        `expected JSON from ${request}, found ${body.length} characters starting ${JSON.stringify(this.redact(body.slice(0, 60)))}`,
        this.endpoint,
      );
    }
    try {
      return parse(json);
    } catch (error) {
      // The pure decision functions do not know where the response came from.
      if (error instanceof VerifierResponseError && !error.endpoint) throw new VerifierResponseError(this.redact(error.reason), this.endpoint);
      throw error;
    }
  }
}

/** Validates `json` against `schema`, with a one-line message naming what was expected. */
export function validateResponse<Schema extends z.ZodType>(schema: Schema, json: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new VerifierResponseError(`expected ${what}, found: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ")}`);
  return parsed.data;
}
