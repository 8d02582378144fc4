import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { DaemonLogger } from "../../../server/daemon/daemonLogger.js";
import { StatusReporter } from "../../../server/daemon/statusReporter.js";
import { VerifierHealth } from "../../../server/daemon/verifierHealth.js";
import { VerifierUnavailableError } from "../../../server/verifier/verifierUnavailableError.js";
import { startModelsEndpoint } from "../../helpers/modelsEndpoint.js";
import { startFaultyHttpServer, unusedPort } from "../../helpers/faultyHttpServer.js";

const quiet: DaemonLogger = { error() {}, warn() {}, info() {}, debug() {} };

function healthWith(onRecovered = () => {}) {
  const status = new StatusReporter(() => {});
  const health = new VerifierHealth({ status, log: quiet, circuitBreaker: { failureThreshold: 1, coolDownMs: 50 }, fallback: () => "no completions", onRecovered });
  return { status, health };
}

describe("VerifierHealth", () => {
  const health: VerifierHealth[] = [];
  after(() => health.forEach((h) => h.dispose()));

  it("probes the API root completions use: http://host:port means http://host:port/v1/models", async () => {
    const endpoint = await startModelsEndpoint();
    try {
      const { status, health: h } = healthWith();
      health.push(h);
      h.configure({ baseUrl: endpoint.baseUrl.replace(/\/v1$/, ""), model: "test-model", apiKey: undefined });
      await h.check();
      assert.equal(status.current.verifierReachable, true);
      assert.equal(status.current.message, undefined);
    } finally {
      await endpoint.close();
    }
  });

  it("a server that lists models at /models but serves no /v1 is not a working verifier (completions go to /v1/...)", async () => {
    const server = await startFaultyHttpServer();
    server.setHandler((request) =>
      request.url === "/models" ? { kind: "json", status: 200, body: { object: "list", data: [] } } : { kind: "json", status: 404, body: { error: { message: "not found" } } },
    );
    try {
      const { status, health: h } = healthWith();
      health.push(h);
      h.configure({ baseUrl: server.baseUrl, model: "test-model", apiKey: undefined });
      await h.check();
      assert.deepEqual(server.requests.map((r) => r.url), ["/v1/models"]);
      assert.match(status.current.message ?? "", /Verifier failing/);
    } finally {
      await server.close();
    }
  });

  it("reports a refused key as reachable with a warning, and a closed port as unreachable", async () => {
    const endpoint = await startModelsEndpoint({ requiredKey: "sk-right" });
    try {
      const { status, health: h } = healthWith();
      health.push(h);
      h.configure({ baseUrl: endpoint.baseUrl, model: "test-model", apiKey: "sk-wrong" });
      await h.check();
      assert.equal(status.current.verifierReachable, true);
      assert.match(status.current.message ?? "", /rejected the API key/);
      h.configure({ baseUrl: `http://127.0.0.1:${await unusedPort()}/v1`, model: "test-model", apiKey: undefined });
      await h.check();
      assert.equal(status.current.verifierReachable, false);
      assert.match(status.current.message ?? "", /Verifier unreachable/);
    } finally {
      await endpoint.close();
    }
  });

  it("an open circuit owns reachability until its probe finds the verifier back", async () => {
    const endpoint = await startModelsEndpoint();
    try {
      let recovered = 0;
      const { status, health: h } = healthWith(() => recovered++);
      health.push(h);
      h.configure({ baseUrl: endpoint.baseUrl, model: "test-model", apiKey: undefined });
      assert.equal(h.circuit.recordFailure(new VerifierUnavailableError(endpoint.baseUrl, "connection refused", { attempts: 1 })), true);
      assert.equal(status.current.verifierReachable, false);
      assert.match(status.current.message ?? "", /Verifier unavailable: no completions/);
      h.served(); // a stray success report does not override the open circuit
      assert.equal(status.current.verifierReachable, false);
      for (let i = 0; i < 100 && !h.circuit.closed; i++) await new Promise((done) => setTimeout(done, 20));
      assert.equal(h.circuit.closed, true);
      assert.equal(recovered, 1);
      assert.equal(status.current.verifierReachable, true);
    } finally {
      await endpoint.close();
    }
  });
});
