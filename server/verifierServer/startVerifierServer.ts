import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import type { LlamaModel } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { loadModel } from "../modelFiles/modelLoader.js";
import { VerifierHttpHandler } from "./verifierHttpHandler.js";
import { VerifierSlotPool } from "./verifierSlotPool.js";

/** Loopback only unless told otherwise: the server has no TLS and, by default, no key. */
export const DEFAULT_VERIFIER_HOST = "127.0.0.1";
/** 0: the OS picks a free port; {@link VerifierServer.url} tells which. */
export const DEFAULT_VERIFIER_PORT = 0;
/** Concurrent requests (sequences of one context); more queue. */
export const DEFAULT_VERIFIER_SLOTS = 4;
/** Tokens per slot, capped at the model's training context when not given. */
export const DEFAULT_VERIFIER_CONTEXT_SIZE = 2048;
/** Request bodies above this get 413 (a 2048-token prompt as ids is ~12 KB; text prompts are bounded by the context anyway). */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface VerifierServerOptions {
  /** GGUF path (or `hf:` URI) of the verifier model; loaded with `loadModel` (header validated first). */
  modelPath: string;
  /** Default {@link DEFAULT_VERIFIER_HOST}. */
  host?: string;
  /** Default {@link DEFAULT_VERIFIER_PORT}. */
  port?: number;
  /** When set, requests need `Authorization: Bearer <apiKey>` (401 otherwise). Default: none. */
  apiKey?: string;
  /** The id in `/v1/models` and responses. Default: the model file's base name without `.gguf`. */
  modelId?: string;
  /** Default {@link DEFAULT_VERIFIER_SLOTS}. */
  slots?: number;
  /** Tokens per slot (prompt + completion). Default {@link DEFAULT_VERIFIER_CONTEXT_SIZE} or the model's training context if smaller. */
  contextSize?: number;
  /** Default {@link DEFAULT_THREADS}. */
  threads?: number;
  /** Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Emulated extra latency per forward pass, ms (default 0). The generated target decodes a
   * token in ~1.6 ms on a laptop CPU; a cloud-sized verifier takes tens of ms per pass, whether
   * it evaluates one token or verifies a K-token draft. This lets benchmarks and the demo model
   * that regime honestly labelled, the way `networkDelay` models the link.
   */
  stepDelayMs?: number;
  /** Unexpected errors inside requests (they are answered with 500). Default: ignored. */
  onError?: (error: unknown) => void;
}

/** The embedded OpenAI-compatible verifier: the default "cloud" when none is configured. */
export interface VerifierServer extends AsyncDisposable {
  /** `http://host:port`. */
  readonly url: string;
  /** `http://host:port/v1`: what OpenAI clients take as `baseURL`. */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly modelId: string;
  /** Tokens one slot holds (prompt + completion). */
  readonly contextSize: number;
  /** Stops accepting, aborts requests in flight (503 to clients still there), frees the model. Idempotent. */
  close(): Promise<void>;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

class RunningVerifierServer implements VerifierServer {
  readonly url: string;
  readonly baseUrl: string;
  private closing: Promise<void> | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly modelId: string,
    private readonly server: Server,
    private readonly handler: VerifierHttpHandler,
    private readonly pool: VerifierSlotPool,
    private readonly model: LlamaModel,
  ) {
    this.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    this.baseUrl = `${this.url}/v1`;
  }

  get contextSize(): number {
    return this.pool.contextSize;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pool.close();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await this.handler.abortAll();
      this.server.closeAllConnections();
      await closed;
      await this.pool.dispose();
      await this.model.dispose();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Loads the model, creates the slots, and listens; resolves once requests are served. */
export async function startVerifierServer(options: VerifierServerOptions): Promise<VerifierServer> {
  const host = options.host ?? DEFAULT_VERIFIER_HOST;
  const port = options.port ?? DEFAULT_VERIFIER_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  const slots = positiveInteger(options.slots ?? DEFAULT_VERIFIER_SLOTS, "slots");

  const model = await loadModel(options.modelPath);
  let pool: VerifierSlotPool | undefined;
  try {
    const contextSize = positiveInteger(options.contextSize ?? Math.min(DEFAULT_VERIFIER_CONTEXT_SIZE, model.trainContextSize), "contextSize");
    pool = await VerifierSlotPool.create(model, { slots, contextSize, threads: options.threads ?? DEFAULT_THREADS, stepDelayMs: options.stepDelayMs });
    const modelId = options.modelId ?? basename(model.filename ?? options.modelPath).replace(/\.gguf$/i, "");
    const handler = new VerifierHttpHandler({
      endpoints: { model, pool, modelId },
      apiKey: options.apiKey,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      createdAt: Math.floor(Date.now() / 1000),
      onError: options.onError,
    });
    const server = createServer(handler.handle);
    const address = await listen(server, port, host);
    return new RunningVerifierServer(host, address.port, modelId, server, handler, pool, model);
  } catch (error) {
    await pool?.dispose();
    await model.dispose();
    throw error;
  }
}
