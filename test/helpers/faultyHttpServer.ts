import { after, beforeEach } from "node:test";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { listenOnLoopback } from "../../server/network/loopbackServer.js";

/** How the server answers one request; every kind may wait `delayMs` before it starts. */
export type FaultyResponse =
  /** A JSON body (serialized here): the happy path, wrong shapes, error bodies. */
  | { kind: "json"; status?: number; headers?: Record<string, string>; body: unknown; delayMs?: number }
  /** Bytes as given: malformed JSON, HTML error pages, empty bodies. */
  | { kind: "raw"; status?: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** Headers at once, then the body `chunkBytes` at a time every `intervalMs`: a slow link. */
  | { kind: "drip"; status?: number; headers?: Record<string, string>; body: string; chunkBytes: number; intervalMs: number; delayMs?: number }
  /** Headers and the first `bytesBeforeCut` bytes of a longer body, then the socket is destroyed. */
  | { kind: "cutMidBody"; status?: number; body: string; bytesBeforeCut: number; delayMs?: number }
  /** The socket is destroyed without any response. */
  | { kind: "destroy"; delayMs?: number }
  /** The request is read and never answered (until the server closes). */
  | { kind: "hang" };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** `performance.now()` when the request's body had been read. */
  receivedAt: number;
}

export type FaultyHandler = (request: RecordedRequest, index: number) => FaultyResponse;

export interface FaultyHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Queues responses for the next requests, one each, in order (before the handler is asked). */
  enqueue(...responses: FaultyResponse[]): void;
  /** Answers requests once the queue is empty. Default: 500 with a body saying nothing was scripted. */
  setHandler(handler: FaultyHandler): void;
  close(): Promise<void>;
}

const UNSCRIPTED: FaultyHandler = (request) => ({
  kind: "json",
  status: 500,
  body: { error: { message: `faultyHttpServer: no response scripted for ${request.method} ${request.url}` } },
});

function sendHead(res: ServerResponse, status: number | undefined, headers: Record<string, string> | undefined, contentType: string, length?: number) {
  res.writeHead(status ?? 200, { "content-type": contentType, ...(length !== undefined && { "content-length": String(length) }), ...headers });
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that misbehaves exactly as a test scripts it:
 * status and headers, delays, slow drips, sockets cut mid-body, hangs, malformed JSON.
 * Closing it destroys every open socket, so a hanging request never keeps a test alive.
 */
export async function startFaultyHttpServer(): Promise<FaultyHttpServer> {
  const queue: FaultyResponse[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let handler: FaultyHandler = UNSCRIPTED;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const respond = (res: ServerResponse, response: FaultyResponse) => {
    switch (response.kind) {
      case "json": {
        const text = JSON.stringify(response.body);
        sendHead(res, response.status, response.headers, "application/json", Buffer.byteLength(text));
        res.end(text);
        return;
      }
      case "raw":
        sendHead(res, response.status, response.headers, "application/json", Buffer.byteLength(response.body));
        res.end(response.body);
        return;
      case "drip": {
        const bytes = Buffer.from(response.body);
        sendHead(res, response.status, response.headers, "application/json", bytes.length);
        res.flushHeaders();
        let offset = 0;
        const next = () => {
          if (res.destroyed) return;
          res.write(bytes.subarray(offset, offset + response.chunkBytes));
          offset += response.chunkBytes;
          if (offset >= bytes.length) res.end();
          else later(response.intervalMs, next);
        };
        next();
        return;
      }
      case "cutMidBody": {
        const bytes = Buffer.from(response.body);
        sendHead(res, response.status, undefined, "application/json", bytes.length);
        res.write(bytes.subarray(0, response.bytesBeforeCut));
        // Let the partial body reach the client before the connection dies.
        later(20, () => res.socket?.destroy());
        return;
      }
      case "destroy":
        res.socket?.destroy();
        return;
      case "hang":
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json, receivedAt: performance.now() };
      const index = requests.push(request) - 1;
      const response = queue.shift() ?? handler(request, index);
      const delayMs = "delayMs" in response ? (response.delayMs ?? 0) : 0;
      if (delayMs > 0) later(delayMs, () => respond(res, response));
      else respond(res, response);
    });
  });
  const { port, close } = await listenOnLoopback(server, () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...responses) => void queue.push(...responses),
    setHandler: (next) => void (handler = next),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * One faulty server for a whole test file (call at the top level): closed when the file ends,
 * and before each test its recorded requests are cleared and `handler` answers again.
 */
export async function faultyHttpServerForFile(handler: FaultyHandler): Promise<FaultyHttpServer> {
  const server = await startFaultyHttpServer();
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.setHandler(handler);
  });
  return server;
}
