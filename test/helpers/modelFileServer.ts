import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { basename } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface ModelFileServer {
  /** `http://127.0.0.1:<port>/<file name>` */
  url: string;
  /** GET requests seen (node-llama-cpp also GETs a URL to learn the file name before downloading). */
  requests: number;
  close(): Promise<void>;
}

/**
 * Serves one model file on 127.0.0.1, the way a model host does (Content-Length, no ranges),
 * so download paths run offline. With `bytesPerSecond` the body trickles, to cancel mid-way.
 */
export async function serveModelFile(path: string, options: { bytesPerSecond?: number } = {}): Promise<ModelFileServer> {
  const { size } = await stat(path);
  const name = basename(path);
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    if (request.url !== `/${name}`) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    state.requests += 1;
    const rate = options.bytesPerSecond;
    if (rate === undefined) {
      createReadStream(path).pipe(response);
      return;
    }
    void (async () => {
      const chunk = Math.max(1, Math.floor(rate / 20));
      for await (const data of createReadStream(path, { highWaterMark: chunk })) {
        if (response.destroyed) return;
        response.write(data);
        await delay(50);
      }
      response.end();
    })().catch(() => response.destroy());
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
