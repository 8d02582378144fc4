// The verifier's circuit breaker wired into the daemon, over a real LSP connection, with the
// verifier a real misbehaving HTTP server on 127.0.0.1: after 3 unavailability failures the
// daemon stops calling it (completions fail fast, or come from the drafter alone when
// allowUnverified is on), the status says so, and a probe brings verified completions back.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { StatsRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { startFaultyHttpServer, type FaultyHandler, type FaultyHttpServer } from "../../helpers/faultyHttpServer.js";
import { completionBody } from "../../helpers/completionFixtures.js";

const VERIFIED_TEXT = " = 42;";
const healthy: FaultyHandler = (request) =>
  request.method === "GET"
    ? { kind: "json", body: { object: "list", data: [{ id: "toy", object: "model", created: 0, owned_by: "test" }] } }
    : { kind: "json", body: completionBody(null, VERIFIED_TEXT, { completionTokens: 4, finishReason: "stop" }) };
const down: FaultyHandler = () => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } });

const posts = (server: FaultyHttpServer) => server.requests.filter((r) => r.method === "POST").length;

async function completion(daemon: DaemonProcess, uri: string, text: string): Promise<string | null> {
  await daemon.open(uri, text);
  const result = await daemon.inlineCompletion(uri, endPositionOf(text));
  return result?.items[0]?.insertText ?? null;
}

/** The latest status (not any earlier one) shows the verifier reachable and no circuit message. */
function closedStatus(daemon: DaemonProcess) {
  return daemon.waitFor("a closed-circuit status", () => {
    const status = daemon.latestStatus;
    return status?.verifierReachable === true && !/Verifier unavailable/.test(status.message ?? "") ? status : undefined;
  });
}

describe("verifier circuit breaker in the daemon", () => {
  let server: FaultyHttpServer;
  let daemon: DaemonProcess;

  before(async () => {
    server = await startFaultyHttpServer();
    server.setHandler(healthy);
    daemon = await DaemonProcess.start({
      entry: "verifierBacked",
      env: { CIRCUIT_COOL_DOWN_MS: "400", VERIFIER_TIMEOUT_MS: "500" },
      settings: { verifier: { baseUrl: `${server.baseUrl}/v1`, model: "toy" }, drafters: ["/models/test-drafter.gguf"], debounceMs: 0, allowUnverified: false },
    });
  });
  after(async () => {
    await daemon?.stop();
    await server?.close();
  });

  it("serves verified completions while the verifier is up", async () => {
    assert.equal(await completion(daemon, "file:///up.ts", "const answer"), VERIFIED_TEXT);
    // A shown suggestion starts a background continuation (one more verifier call); it must be
    // over before the verifier goes down, or its call is counted below (seen under CI load).
    await daemon.waitForLog(/background continuation finished/);
  });

  it("opens after 3 unavailability failures, then fails fast without calling the verifier", async () => {
    server.setHandler(down);
    const before = posts(server);
    for (let i = 0; i < 3; i++) assert.equal(await completion(daemon, `file:///down${i}.ts`, `const failing${i}`), null);
    assert.equal(posts(server) - before, 3);
    const status = await daemon.waitForStatus("circuit open", (s) => s.verifierReachable === false && /Verifier unavailable: no completions/.test(s.message ?? ""));
    assert.equal(status.health, "warning");
    await daemon.waitForLog(/circuit opened/);

    const started = performance.now();
    for (let i = 0; i < 10; i++) assert.equal(await completion(daemon, `file:///fast${i}.ts`, `let fast${i}`), null);
    const perRequest = (performance.now() - started) / 10;
    assert.equal(posts(server) - before, 3, "no completion reached the dead verifier while the circuit was open");
    assert.ok(perRequest < 200, `failed fast: ${perRequest.toFixed(0)} ms per request`);
    await daemon.waitForLog(/verifierUnavailable \(circuit open/);
    const { counters } = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    assert.ok(counters.errors >= 13, JSON.stringify(counters));
  });

  it("probes with GET /models only, and keeps failing fast while the probe fails", async () => {
    await daemon.waitFor("two probes", () => server.requests.filter((r) => r.method === "GET" && r.url === "/v1/models").length >= 2, 5_000);
    assert.ok(daemon.alive);
  });

  it("falls back to the drafter alone when allowUnverified is on, and says so", async () => {
    await daemon.changeSettings({ ...daemon.settings, allowUnverified: true });
    await daemon.waitForLog(/settings changed: allowUnverified/);
    const text = "function add(a, b) {\n  return a + b;\n}\n\nfunction add(a, b) {\n  return";
    const before = posts(server);
    assert.equal(await completion(daemon, "file:///fallback.ts", text), " a + b;");
    assert.equal(posts(server), before);
    await daemon.waitForLog(/drafter-only engine ready/);
    await daemon.waitForStatus("fallback in status", (s) => /drafter alone \(unverified\)/.test(s.message ?? ""), 5_000);
  });

  it("closes when the verifier is back: verified completions again, the unverified one not cached", async () => {
    server.setHandler(healthy);
    await daemon.waitForLog(/circuit closed/, 10_000);
    const status = await closedStatus(daemon);
    assert.notEqual(status.health, "error");
    const text = "function add(a, b) {\n  return a + b;\n}\n\nfunction add(a, b) {\n  return";
    assert.equal(await completion(daemon, "file:///fallback-again.ts", text), VERIFIED_TEXT, "same prefix: answered by the verifier, not from the cache");
    assert.equal(await completion(daemon, "file:///back.ts", "const back"), VERIFIED_TEXT);
  });
});

describe("verifier circuit breaker when building the engine needs the verifier", () => {
  let server: FaultyHttpServer;
  let daemon: DaemonProcess;

  before(async () => {
    server = await startFaultyHttpServer();
    server.setHandler(down);
    daemon = await DaemonProcess.start({
      entry: "verifierBacked",
      env: { CIRCUIT_COOL_DOWN_MS: "400", VERIFIER_TIMEOUT_MS: "500", VERIFIER_CHECK_AT_BUILD: "1" },
      settings: { verifier: { baseUrl: `${server.baseUrl}/v1`, model: "toy" }, drafters: ["/models/test-drafter.gguf"], debounceMs: 0 },
    });
    await daemon.waitForLog(/ConfigSpec daemon ready/);
  });
  after(async () => {
    await daemon?.stop();
    await server?.close();
  });

  it("opens on failed builds, and serves as soon as the probe closes it (no stale failed build)", async () => {
    for (let i = 0; i < 3; i++) assert.equal(await completion(daemon, `file:///build${i}.ts`, `let build${i}`), null);
    await daemon.waitForLog(/engine could not be built: Verifier at .* unavailable/);
    await daemon.waitForStatus("circuit open", (s) => /Verifier unavailable/.test(s.message ?? ""));
    server.setHandler(healthy);
    await daemon.waitForLog(/circuit closed/, 10_000);
    await closedStatus(daemon);
    // The engine slot backs off failed builds for 10 s; the closed circuit must not wait for that.
    assert.equal(await completion(daemon, "file:///rebuilt.ts", "const rebuilt"), VERIFIED_TEXT);
  });
});
