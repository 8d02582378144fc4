import { createServer, type Server } from "node:http";
import { listenOnLoopback } from "../../server/network/loopbackServer.js";

/** What the proxy does with one request. */
export type ProxyAction =
  /** Pass it to the real verifier and its answer back. */
  | { kind: "forward" }
  /** Answer without asking the verifier. */
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> }
  /** Forward, then send back only half of the verifier's body and cut the connection. */
  | { kind: "cutMidBody" }
  /** Forward, then replace the body with something that is not JSON. */
  | { kind: "malformed" }
  /** Never answer (until the proxy closes). */
  | { kind: "hang" }
  /** Forward after a delay (a slow link). */
  | { kind: "delay"; ms: number };

export interface FaultInjectingProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/v1`: where the engine is pointed. */
  readonly baseUrl: string;
  /** Actions for the next requests, in order; then `forward`. */
  enqueue(...actions: ProxyAction[]): void;
  /** The action for requests once the queue is empty (default forward). */
  setDefault(action: ProxyAction): void;
  /** Request paths seen, in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP proxy on 127.0.0.1 in front of the real embedded verifier, scripted to misbehave
 * on chosen requests — so faults hit the engine mid-completion, between healthy rounds.
 */
export async function startFaultInjectingProxy(targetOrigin: string): Promise<FaultInjectingProxy> {
  const queue: ProxyAction[] = [];
  const seen: string[] = [];
  let fallback: ProxyAction = { kind: "forward" };

  const forward = async (method: string, url: string, headers: Record<string, string>, body: Buffer) => {
    const response = await fetch(new URL(url, targetOrigin), { method, headers, body: method === "GET" ? undefined : new Uint8Array(body) });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push(`${req.method} ${req.url}`);
    const action = queue.shift() ?? fallback;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    try {
      switch (action.kind) {
        case "hang":
          return;
        case "status":
          res.writeHead(action.status, { "content-type": "application/json", ...action.headers });
          res.end(action.body);
          return;
        case "delay":
          await new Promise((resolve) => setTimeout(resolve, action.ms));
          break;
      }
      const answer = await forward(req.method ?? "GET", req.url ?? "/", headers, body);
      if (action.kind === "cutMidBody") {
        res.writeHead(answer.status, { "content-type": "application/json", "content-length": String(answer.body.length) });
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => res.socket?.destroy());
        return;
      }
      if (action.kind === "malformed") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"choices": [{"text": ${JSON.stringify(answer.body.toString("utf8").slice(0, 20))}`);
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
    } catch (error) {
      res.destroy(error as Error);
    }
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    enqueue: (...actions) => queue.push(...actions),
    setDefault: (action) => (fallback = action),
    close,
    [Symbol.asyncDispose]: close,
  };
}
