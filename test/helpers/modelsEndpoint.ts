import { createServer, type Server } from "node:http";

export interface ModelsEndpoint {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  /** Authorization headers seen, to check an API key arrived (and which). */
  authorizations: string[];
  close(): Promise<void>;
}

/**
 * The smallest OpenAI-compatible surface: `GET /v1/models` on 127.0.0.1, enough for the
 * daemon's reachability probe. Answers 401 when `requiredKey` is set and not presented.
 */
export async function startModelsEndpoint(options: { requiredKey?: string } = {}): Promise<ModelsEndpoint> {
  const authorizations: string[] = [];
  const server: Server = createServer((request, response) => {
    const authorization = request.headers.authorization ?? "";
    authorizations.push(authorization);
    if (options.requiredKey && authorization !== `Bearer ${options.requiredKey}`) {
      response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "bad key" } }));
      return;
    }
    if (request.url === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "test-model", object: "model" }] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    authorizations,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
