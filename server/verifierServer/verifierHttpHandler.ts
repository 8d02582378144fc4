import { errorMessageOf } from "../util/errorMessage.js";
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { createChatCompletion, createCompletion, type VerifierEndpointContext } from "./completionEndpoints.js";
import { createCompletionStream } from "./completionStream.js";
import { DONE_FRAME, eventFrame, EventStream } from "./eventStream.js";
import { readRequestBody } from "./readRequestBody.js";
import { createGenerate } from "./generateEndpoint.js";
import { ChatCompletionRequestSchema, CompletionRequestSchema, GenerateRequestSchema } from "./requestSchemas.js";
import { SlotPoolClosedError } from "./slotPoolClosedError.js";
import { VerifierHttpError } from "./verifierHttpError.js";

export interface VerifierHttpHandlerOptions {
  endpoints: VerifierEndpointContext;
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Larger bodies get 413. */
  maxBodyBytes: number;
  /** Unix seconds reported as the model's `created`. */
  createdAt: number;
  /** Unexpected errors (answered with 500); client mistakes are not reported. */
  onError?: (error: unknown) => void;
}

interface Route {
  method: "GET" | "POST";
  path: RegExp;
  run(request: IncomingMessage, match: RegExpExecArray, signal: AbortSignal): Promise<unknown>;
}

class ServerClosingError extends Error {
  override name = "ServerClosingError";
}

function parseBody<T extends z.ZodType>(schema: T, body: Buffer): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new VerifierHttpError(400, `the body is not valid JSON: ${(error as Error).message}`, "invalid_request_error", null, "invalid_json");
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const param = issue.path.length > 0 ? issue.path.map(String).join(".") : null;
  throw new VerifierHttpError(400, param ? `invalid ${param}: ${issue.message}` : `invalid body: ${issue.message}`, "invalid_request_error", param, "invalid_value");
}

/** A malformed %-escape names no model: kept as is (and so not found) rather than a 500. */
function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The OpenAI-compatible HTTP surface on plain `node:http`: auth, routing (404/405), bodies
 * (size limit, JSON, zod), OpenAI-style errors, and one AbortController per request that
 * fires when the client disconnects or the server closes, so the work stops and the slot
 * is released.
 */
export class VerifierHttpHandler {
  private readonly routes: Route[];
  private readonly inFlight = new Map<AbortController, Promise<void>>();

  constructor(private readonly options: VerifierHttpHandlerOptions) {
    const { endpoints } = options;
    // vLLM's ModelCard (vllm/entrypoints/openai/protocol.py): max_model_len tells clients the context window.
    const modelObject = () => ({
      id: endpoints.modelId,
      object: "model",
      created: options.createdAt,
      owned_by: "configspec",
      root: endpoints.modelId,
      parent: null,
      max_model_len: endpoints.pool.contextSize,
      permission: [],
    });
    this.routes = [
      { method: "GET", path: /^\/v1\/models$/, run: async () => ({ object: "list", data: [modelObject()] }) },
      {
        method: "GET",
        path: /^\/v1\/models\/(.+)$/,
        run: async (_request, match) => {
          const id = safeDecode(match[1]);
          if (id !== endpoints.modelId) throw new VerifierHttpError(404, `the model ${JSON.stringify(id)} does not exist`, "invalid_request_error", "model", "model_not_found");
          return modelObject();
        },
      },
      {
        method: "POST",
        path: /^\/v1\/completions$/,
        run: async (request, _match, signal) => {
          const body = parseBody(CompletionRequestSchema, await readRequestBody(request, options.maxBodyBytes));
          return body.stream ? createCompletionStream(endpoints, body, signal) : createCompletion(endpoints, body, signal);
        },
      },
      {
        method: "POST",
        path: /^\/generate$/,
        run: async (request, _match, signal) => createGenerate(endpoints, parseBody(GenerateRequestSchema, await readRequestBody(request, options.maxBodyBytes)), signal),
      },
      {
        // SGLang's GET /get_model_info (python/sglang/srt/entrypoints/http_server.py); the id stands in for the paths.
        method: "GET",
        path: /^\/get_model_info$/,
        run: async () => ({ model_path: endpoints.modelId, tokenizer_path: endpoints.modelId, is_generation: true, preferred_sampling_params: null, weight_version: "default" }),
      },
      {
        method: "POST",
        path: /^\/v1\/chat\/completions$/,
        run: async (request, _match, signal) =>
          createChatCompletion(endpoints, parseBody(ChatCompletionRequestSchema, await readRequestBody(request, options.maxBodyBytes)), signal),
      },
    ];
  }

  /** The `request` listener for `http.createServer`; never throws. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    const controller = new AbortController();
    response.on("close", () => {
      if (!response.writableFinished) controller.abort(new Error("the client disconnected"));
    });
    const done = this.serve(request, response, controller.signal)
      .catch((error: unknown) => {
        // Only a failure while writing the error response gets here: drop the connection.
        this.options.onError?.(error);
        response.destroy();
      })
      .finally(() => this.inFlight.delete(controller));
    this.inFlight.set(controller, done);
  };

  /** Aborts every request in flight (they answer 503 if their client is still there) and waits for them. */
  async abortAll(): Promise<void> {
    for (const controller of this.inFlight.keys()) controller.abort(new ServerClosingError("the verifier server is closing"));
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async serve(request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<void> {
    try {
      this.authorize(request);
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const matching = this.routes.flatMap((route) => {
        const match = route.path.exec(path);
        return match ? [{ route, match }] : [];
      });
      if (matching.length === 0) throw new VerifierHttpError(404, `Invalid URL (${request.method} ${path})`, "invalid_request_error", null, "unknown_url");
      const found = matching.find(({ route }) => route.method === request.method);
      if (!found) {
        response.setHeader("Allow", [...new Set(matching.map(({ route }) => route.method))].join(", "));
        throw new VerifierHttpError(405, `method ${request.method} is not allowed on ${path}`, "invalid_request_error", null, "method_not_allowed");
      }
      const body = await found.route.run(request, found.match, signal);
      if (body instanceof EventStream) await this.sendEvents(response, body, signal);
      else this.send(response, 200, body);
    } catch (error) {
      this.sendError(response, error, signal);
    }
  }

  private authorize(request: IncomingMessage): void {
    const { apiKey } = this.options;
    if (apiKey === undefined) return;
    const header = request.headers.authorization ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (token !== undefined && sameSecret(token, apiKey)) return;
    throw new VerifierHttpError(
      401,
      token === undefined ? "You didn't provide an API key: send Authorization: Bearer <key>." : "Incorrect API key provided.",
      "invalid_request_error",
      null,
      "invalid_api_key",
    );
  }

  /** Streams the events; a failure after the headers is an error event (see {@link EventStream}), and every stream ends with `[DONE]`. */
  private async sendEvents(response: ServerResponse, stream: EventStream, signal: AbortSignal): Promise<void> {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", Connection: "keep-alive" });
    response.flushHeaders();
    const send = (event: unknown) => {
      if (!response.destroyed) response.write(eventFrame(event));
    };
    try {
      await stream.produce(send);
    } catch (error) {
      if (response.destroyed) return; // the client left: nobody to tell
      send(this.httpErrorOf(error, signal).toJSON());
    }
    if (!response.destroyed) response.end(DONE_FRAME);
  }

  /** What a failure is answered with: its own status, 503 while closing, else 500 (reported). */
  private httpErrorOf(error: unknown, signal: AbortSignal): VerifierHttpError {
    if (error instanceof VerifierHttpError) return error;
    if (error instanceof SlotPoolClosedError || (signal.aborted && signal.reason instanceof ServerClosingError)) {
      return new VerifierHttpError(503, "the verifier server is shutting down", "server_error", null, "server_shutting_down");
    }
    this.options.onError?.(error);
    return new VerifierHttpError(500, `internal error: ${errorMessageOf(error)}`, "server_error");
  }

  private sendError(response: ServerResponse, error: unknown, signal: AbortSignal): void {
    if (response.destroyed || response.writableEnded) return; // the client left: nobody to tell
    const httpError = this.httpErrorOf(error, signal);
    // After a 413 the rest of the body is not read: close the connection rather than drain it.
    if (httpError.status === 413) response.setHeader("Connection", "close");
    if (httpError.status === 401) response.setHeader("WWW-Authenticate", "Bearer");
    this.send(response, httpError.status, httpError.toJSON());
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    if (response.destroyed || response.writableEnded) return;
    const data = JSON.stringify(body);
    response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(data) });
    response.end(data);
  }
}
