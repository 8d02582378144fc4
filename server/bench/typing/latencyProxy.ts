import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { listenOnLoopback } from "../../network/loopbackServer.js";

/** What the proxy saw of the verifier traffic since the last {@link LatencyProxy.reset}. */
export interface VerifierTraffic {
  /** POST requests (each a verifier call a paid API would bill). */
  calls: number;
  /** Calls the client gave up on before the answer came back (cancelled keystrokes). */
  abandoned: number;
  /** Streamed answers (server-sent events), and those the client closed after text came (a first line shown: not abandoned). */
  streams: number;
  streamsClosedEarly: number;
  /** Billed tokens from the answers' `usage` (abandoned calls are billed too: the server did the work). */
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  /** Calls per path, e.g. `/v1/completions`. */
  byPath: Record<string, number>;
}

export interface LatencyProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/v1`: where the daemon is pointed. */
  readonly baseUrl: string;
  readonly traffic: VerifierTraffic;
  reset(): void;
  close(): Promise<void>;
}

function emptyTraffic(): VerifierTraffic {
  return { calls: 0, abandoned: 0, streams: 0, streamsClosedEarly: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, byPath: {} };
}

interface MetaInfo {
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
}
interface UsageJson {
  /** OpenAI-style (/v1/completions, batches summed). */
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  /** SGLang's native /generate (one object, or one per prompt of a batch). */
  meta_info?: MetaInfo;
  /** llama-server's native /completion (one object, or one per prompt of a batch): the prompt's length, tokens generated, and the prompt tokens its slot reused. */
  tokens_evaluated?: number;
  tokens_predicted?: number;
  timings?: { cache_n?: number };
}

/** Billed tokens of one answer: OpenAI `usage`, SGLang `meta_info` or llama-server's native fields (per prompt when the answer is a list). */
function billedOf(json: UsageJson | UsageJson[]): { prompt: number; completion: number; cached: number } {
  const answers = Array.isArray(json) ? json : [json];
  let prompt = 0;
  let completion = 0;
  let cached = 0;
  for (const answer of answers) {
    const usage = answer.usage;
    const meta = answer.meta_info;
    prompt += usage?.prompt_tokens ?? meta?.prompt_tokens ?? answer.tokens_evaluated ?? 0;
    completion += usage?.completion_tokens ?? meta?.completion_tokens ?? answer.tokens_predicted ?? 0;
    cached += usage?.prompt_tokens_details?.cached_tokens ?? meta?.cached_tokens ?? answer.timings?.cache_n ?? 0;
  }
  return { prompt, completion, cached };
}

/**
 * Billed tokens of a server-sent-event stream so far: the last `usage` any chunk carried (the
 * final include_usage chunk, or vLLM's running continuous_usage_stats), else the prompt when it
 * was sent as token ids and one token per text chunk (a stream closed early got no usage chunk).
 */
class StreamTally {
  #buffer = "";
  #usage: UsageJson["usage"];
  #textChunks = 0;

  read(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
      const event = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = event.startsWith("data: ") ? event.slice("data: ".length) : "";
      if (data === "" || data === "[DONE]") continue;
      try {
        const chunk = JSON.parse(data) as UsageJson & { choices?: { text?: string }[] };
        if (chunk.usage) this.#usage = chunk.usage;
        if (chunk.choices?.[0]?.text) this.#textChunks++;
      } catch {
        // not JSON: nothing billed that we can read
      }
    }
  }

  get sawText(): boolean {
    return this.#textChunks > 0;
  }

  billed(requestBody: Buffer): { prompt: number; completion: number; cached: number } {
    if (this.#usage) return billedOf({ usage: this.#usage });
    let prompt = 0;
    try {
      const body = JSON.parse(requestBody.toString("utf8")) as { prompt?: unknown };
      if (Array.isArray(body.prompt) && body.prompt.every((id) => typeof id === "number")) prompt = body.prompt.length;
    } catch {
      // not JSON: the prompt is not countable
    }
    return { prompt, completion: this.#textChunks, cached: 0 };
  }
}

/**
 * A network between the daemon and a verifier: half the round trip on the way there and half on
 * the way back, every verifier call counted with the tokens it bills. A streamed answer (SSE)
 * travels chunk by chunk, each half a round trip after the server sent it, so a first line shows
 * when it would over a real link. A client that hangs up aborts the forwarded request too, as a
 * closed connection reaches a real server.
 */
export async function startLatencyProxy(targetOrigin: string, rttMs: number): Promise<LatencyProxy> {
  let traffic = emptyTraffic();
  const oneWay = rttMs / 2;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const upstream = new AbortController();
    let answered = false;
    res.on("close", () => {
      if (!answered && req.method === "POST") traffic.abandoned++;
      if (!res.writableFinished) upstream.abort();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0];
    const post = req.method === "POST";
    const counted = traffic;
    if (post) {
      counted.calls++;
      counted.byPath[path] = (counted.byPath[path] ?? 0) + 1;
    }
    const headers: Record<string, string> = { "content-type": req.headers["content-type"] ?? "application/json" };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    try {
      if (oneWay > 0) await delay(oneWay, undefined, { signal: upstream.signal });
      const response = await fetch(new URL(req.url ?? "/", targetOrigin), {
        method: req.method,
        headers,
        body: post ? new Uint8Array(Buffer.concat(chunks)) : undefined,
        signal: upstream.signal,
      });
      if (response.ok && response.body && (response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        await relayStream(response, res, post ? Buffer.concat(chunks) : Buffer.alloc(0), counted, oneWay, upstream.signal, () => (answered = true));
        return;
      }
      const body = Buffer.from(await response.arrayBuffer());
      if (post && response.ok) {
        try {
          const billed = billedOf(JSON.parse(body.toString("utf8")) as UsageJson | UsageJson[]);
          counted.promptTokens += billed.prompt;
          counted.completionTokens += billed.completion;
          counted.cachedTokens += billed.cached;
        } catch {
          // not JSON: nothing billed that we can read
        }
      }
      if (oneWay > 0) await delay(oneWay, undefined, { signal: upstream.signal });
      answered = true;
      res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
      res.end(body);
    } catch {
      answered = true;
      res.destroy();
    }
  };

  /** Relays a server-sent-event answer chunk by chunk, each `oneWay` ms after it arrived, in order. */
  async function relayStream(
    response: Response,
    res: ServerResponse,
    requestBody: Buffer,
    counted: VerifierTraffic,
    oneWay: number,
    signal: AbortSignal,
    markAnswered: () => void,
  ): Promise<void> {
    counted.streams++;
    const tally = new StreamTally();
    const decoder = new TextDecoder();
    let delivered = Promise.resolve();
    const deliverAt = (at: number, write: () => void) => {
      delivered = delivered.then(async () => {
        const wait = at - performance.now();
        if (wait > 0) await delay(wait, undefined, { signal });
        write();
      });
      // A hang-up aborts the wait; the loop below sees it (or `await delivered` does), never an unhandled rejection.
      delivered.catch(() => undefined);
    };
    const headersAt = performance.now() + oneWay;
    deliverAt(headersAt, () => {
      if (!res.destroyed) res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/event-stream" });
    });
    let deliveredText = false;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const hadText = tally.sawText;
        tally.read(decoder.decode(chunk, { stream: true }));
        const firstText = !hadText && tally.sawText;
        const bytes = Buffer.from(chunk);
        deliverAt(performance.now() + oneWay, () => {
          if (res.destroyed) return;
          res.write(bytes);
          if (firstText) {
            // Text reached the client: closing the stream from now on is a first line shown, not a cancelled keystroke.
            deliveredText = true;
            markAnswered();
          }
        });
      }
      deliverAt(performance.now() + oneWay, () => {
        markAnswered();
        if (!res.destroyed) res.end();
      });
      await delivered;
    } catch {
      // The client closed the stream (a first line was enough, or the keystroke was cancelled) or the server broke it.
      if (deliveredText) counted.streamsClosedEarly++;
      if (!res.destroyed) res.destroy();
    } finally {
      const billed = tally.billed(requestBody);
      counted.promptTokens += billed.prompt;
      counted.completionTokens += billed.completion;
      counted.cachedTokens += billed.cached;
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  const { port, close } = await listenOnLoopback(server);
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get traffic() {
      return traffic;
    },
    reset: () => (traffic = emptyTraffic()),
    close,
    [Symbol.asyncDispose]: close,
  };
}
