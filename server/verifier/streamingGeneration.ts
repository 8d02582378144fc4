import { Stream } from "openai/streaming";
import { z } from "zod";
import { abortError, isAbortError } from "../util/abort.js";
import { errorMessageOf } from "../util/errorMessage.js";
import { stopReasonOf, usageOf, type VerifierUsage } from "./verifierCalls.js";
import { VerifierRequestError } from "./verifierRequestError.js";
import { UsageSchema } from "./verifierResponses.js";
import { VerifierResponseError } from "./verifierResponseError.js";
import type { CallTiming, VerifierTransport } from "./verifierTransport.js";
import { VerifierUnavailableError } from "./verifierUnavailableError.js";

/** What a streamed generation needs of a verifier client (VerifierClient has it). */
export interface StreamingEndpoint {
  /** The endpoint as named in messages. */
  readonly endpoint: string;
  /** `https://host/v1`. */
  readonly apiRoot: string;
  readonly model: string;
  readonly transport: Pick<VerifierTransport, "openStream">;
}

export interface StreamingGenerateRequest {
  /** Token ids (shared tokenizer) or text. */
  prompt: readonly number[] | string;
  maxTokens: number;
  signal?: AbortSignal;
  /**
   * Asked with the text so far after every chunk; true ends generation there: the stream is
   * closed, so the server stops decoding (what was generated is billed, nothing more).
   */
  shouldStop?: (text: string) => boolean;
}

/** `stop`/`maxTokens`: the server's finish_reason; `stopRule`: `shouldStop` ended it first. */
export type StreamStopReason = "stop" | "maxTokens" | "other" | "stopRule";

export interface StreamedGeneration {
  /** Every chunk's text, joined: the non-streamed completion's text, or its start when `stopRule` ended it. */
  text: string;
  stopReason: StreamStopReason;
  /** Text chunks received (≈ generated tokens: servers send one per token). */
  chunks: number;
  /** Request sent → first text chunk read, ms (undefined when none came). */
  firstTextMs: number | undefined;
  timing: CallTiming;
  /**
   * The usage the server reported (its final `include_usage` chunk, or vLLM's running
   * `continuous_usage_stats`); undefined when the stream was closed before any.
   */
  usage: VerifierUsage | undefined;
}


/**
 * One `text_completion` stream chunk (OpenAI's Completions API reference, "stream"; vLLM's
 * CompletionStreamResponse in vllm/entrypoints/openai/protocol.py): a choice with the new text
 * and, on the last, its finish_reason; or, with `include_usage`, `choices: []` and the usage.
 */
const CompletionChunkSchema = z.object({
  choices: z.array(z.object({ text: z.string(), finish_reason: z.string().nullish() })),
  usage: UsageSchema.nullish(),
});

/**
 * How much usage a stream asks for: `continuous` (vLLM's and SGLang's continuous_usage_stats:
 * the usage so far in every chunk, so a stream closed at the first line still says what it
 * billed), `final` (OpenAI's include_usage: only a last chunk, which a closed stream never
 * gets), or `none` for an endpoint that refuses stream_options altogether (older Azure).
 */
type UsageRequest = "continuous" | "final" | "none";
const USAGE_FALLBACK: Record<UsageRequest, UsageRequest | undefined> = { continuous: "final", final: "none", none: undefined };
const STREAM_OPTIONS_REFUSED = /stream_options|continuous_usage_stats|include_usage/i;
/** What each endpoint accepted, learnt from its refusals: one 400 per endpoint and level, not per completion. */
const usageAccepted = new WeakMap<StreamingEndpoint, UsageRequest>();

function streamOptionsFor(usage: UsageRequest) {
  if (usage === "none") return {};
  return { stream_options: usage === "continuous" ? { include_usage: true, continuous_usage_stats: true } : { include_usage: true } };
}

/** Opens the stream with the most usage the endpoint accepts, stepping down (and remembering) when it refuses stream_options. */
async function openCompletionStream(client: StreamingEndpoint, request: StreamingGenerateRequest, signal: AbortSignal) {
  for (let usage = usageAccepted.get(client) ?? "continuous"; ; ) {
    const body = {
      model: client.model,
      prompt: typeof request.prompt === "string" ? request.prompt : [...request.prompt],
      max_tokens: request.maxTokens,
      temperature: 0,
      stream: true,
      ...streamOptionsFor(usage),
    };
    try {
      const { value: response, timing } = await client.transport.openStream(`${client.apiRoot}/completions`, "POST /completions (stream)", body, signal);
      usageAccepted.set(client, usage);
      return { response, timing };
    } catch (error) {
      const fallback = USAGE_FALLBACK[usage];
      if (!(error instanceof VerifierRequestError && error.status === 400 && STREAM_OPTIONS_REFUSED.test(error.serverMessage ?? "")) || !fallback) throw error;
      usage = fallback;
      usageAccepted.set(client, usage);
    }
  }
}

/**
 * Verifier-only generation, streamed: `POST /v1/completions` with `stream: true` (greedy, the
 * same body as the non-streamed call otherwise), read chunk by chunk so the caller's stop rule
 * can end it at the first line instead of waiting for `maxTokens`. The joined text is exactly
 * what the non-streamed request returns (cut where the stop rule ended it). Cancelling `signal`
 * closes the connection at once; so does the stop rule. Failures are the transport's errors up
 * to the headers; after them, a cut or garbled stream is a VerifierUnavailableError or
 * VerifierResponseError.
 */
export async function streamGeneration(client: StreamingEndpoint, request: StreamingGenerateRequest): Promise<StreamedGeneration> {
  // Closing the stream (stop rule, or the body read after a failure) must not look like the caller's cancellation.
  const closer = new AbortController();
  const signal = request.signal ? AbortSignal.any([request.signal, closer.signal]) : closer.signal;
  const started = performance.now();
  const { response, timing } = await openCompletionStream(client, request, signal);
  let text = "";
  let chunks = 0;
  let firstTextMs: number | undefined;
  let finish: StreamStopReason | undefined;
  let usage: StreamedGeneration["usage"];
  const result = (stopReason: StreamStopReason): StreamedGeneration => ({
    text,
    stopReason,
    chunks,
    firstTextMs,
    timing: { ...timing, latencyMs: performance.now() - started },
    usage,
  });
  try {
    for await (const event of Stream.fromSSEResponse<unknown>(response, closer)) {
      const parsed = CompletionChunkSchema.safeParse(event);
      if (!parsed.success) throw new VerifierResponseError(`expected a text_completion stream chunk, found: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ")}`, client.endpoint);
      const chunk = parsed.data;
      if (chunk.usage) {
        usage = usageOf(chunk.usage);
      }
      const [choice] = chunk.choices;
      if (!choice) continue;
      if (choice.text !== "") {
        text += choice.text;
        chunks++;
        firstTextMs ??= performance.now() - started;
      }
      if (choice.finish_reason) finish = stopReasonOf(choice.finish_reason);
      else if (request.shouldStop?.(text)) {
        closer.abort();
        return result("stopRule");
      }
    }
  } catch (error) {
    if (request.signal?.aborted) throw abortError(request.signal);
    if (error instanceof VerifierResponseError) throw error;
    if (isAbortError(error)) throw new VerifierUnavailableError(client.endpoint, "the stream was closed before its end (timeout)", { attempts: timing.attempts, cause: error });
    throw new VerifierUnavailableError(client.endpoint, `the stream broke off: ${errorMessageOf(error)}`, { attempts: timing.attempts, cause: error });
  } finally {
    closer.abort();
  }
  // The openai stream ends quietly when its signal fires: a cancellation must still reject.
  if (request.signal?.aborted) throw abortError(request.signal);
  if (finish === undefined) throw new VerifierUnavailableError(client.endpoint, "the stream ended before a chunk with finish_reason", { attempts: timing.attempts });
  return result(finish);
}
