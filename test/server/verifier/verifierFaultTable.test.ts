// Every verifier fault the client classifies (refused, reset, timeout, 4xx/5xx, 429, bad body),
// caused for real on 127.0.0.1 (or a `.invalid` host), through both doors of the client: a
// verification (what completions use) and the health probe (what the circuit breaker uses).
// verifierClientFaults.test.ts checks each fault's details (timings, retry counts, redaction);
// this file checks the whole table at once, adds DNS failure, and prints the table of faults
// and outcomes. Then the circuit breaker against a real dying and recovering server.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CircuitBreaker, isVerifierUnavailable, type CircuitState } from "../../../server/verifier/circuitBreaker.js";
import { VerifierClient, type VerifierProbeResult } from "../../../server/verifier/verifierClient.js";
import { faultyHttpServerForFile, unusedPort, type FaultyHandler, type FaultyResponse } from "../../helpers/faultyHttpServer.js";
import { completionBody, tokenIdLogprobs, toyContinuation, toyVllmHandler } from "../../helpers/completionFixtures.js";
import { verifyEchoed } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";

const prompt = [5, 17, 42];
const draft = toyContinuation(prompt, 3);
const okBody = completionBody(tokenIdLogprobs([...prompt, ...draft]), "ok");
const TIMEOUT_MS = 300;

/** A healthy toy endpoint: `GET /v1/models` lists "toy"; completions come from the toy verifier. */
const healthy: FaultyHandler = (request, index) =>
  request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "toy", object: "model", created: 0, owned_by: "test" }] } } : toyVllmHandler(request, index);

const server = await faultyHttpServerForFile(healthy);

interface Fault {
  name: string;
  /** Where the client points (default: the faulty server). */
  baseUrl?: () => Promise<string>;
  /** How the server answers every request, probe included. */
  response?: FaultyResponse;
  /** The error class verifyDraft rejects with, and what its message must say. */
  error: string;
  message: RegExp;
  probe: VerifierProbeResult["status"];
}

const errorJson = (status: number, headers?: Record<string, string>): FaultyResponse => ({ kind: "json", status, headers, body: { error: { message: `status ${status}` } } });

const FAULTS: Fault[] = [
  { name: "refused connection", baseUrl: async () => `http://127.0.0.1:${await unusedPort()}`, error: "VerifierUnavailableError", message: /ECONNREFUSED/, probe: "unreachable" },
  { name: "DNS failure (.invalid host)", baseUrl: async () => "http://verifier.configspec.invalid:8000", error: "VerifierUnavailableError", message: /ENOTFOUND|EAI_AGAIN/, probe: "unreachable" },
  { name: "timeout (never answers)", response: { kind: "hang" }, error: "VerifierTimeoutError", message: /within 300 ms/, probe: "unreachable" },
  { name: "slow drip (8 B / 100 ms)", response: { kind: "drip", body: JSON.stringify(okBody), chunkBytes: 8, intervalMs: 100 }, error: "VerifierTimeoutError", message: /within 300 ms/, probe: "unreachable" },
  { name: "401", response: errorJson(401), error: "VerifierAuthError", message: /found 401/, probe: "unauthorized" },
  { name: "429 retry-after: 30", response: errorJson(429, { "retry-after": "30" }), error: "VerifierUnavailableError", message: /retry after 30000 ms/, probe: "failing" },
  { name: "500", response: errorJson(500), error: "VerifierUnavailableError", message: /found 500/, probe: "failing" },
  { name: "502", response: { kind: "raw", status: 502, headers: { "content-type": "text/html" }, body: "<h1>Bad Gateway</h1>" }, error: "VerifierUnavailableError", message: /found 502/, probe: "failing" },
  { name: "503", response: errorJson(503), error: "VerifierUnavailableError", message: /found 503/, probe: "failing" },
  { name: "malformed JSON", response: { kind: "raw", body: '{"choices": [' }, error: "VerifierResponseError", message: /expected JSON/, probe: "failing" },
  { name: "wrong-shape JSON", response: { kind: "json", body: { result: "ok" } }, error: "VerifierResponseError", message: /expected a (completion|model list)/, probe: "failing" },
  { name: "logprobs missing", response: { kind: "json", body: completionBody(null, "x") }, error: "VerifierResponseError", message: /logprobs|model list/, probe: "failing" },
  { name: "connection cut mid-body", response: { kind: "cutMidBody", body: JSON.stringify(okBody), bytesBeforeCut: 40 }, error: "VerifierUnavailableError", message: /whole response body/, probe: "unreachable" },
];

test("every verifier fault ends in its named error and probe status, within the timeout; the table", async () => {
  const rows: string[] = ["| fault | verifyDraft | attempts | ms | probe | opens the circuit |", "| --- | --- | --- | --- | --- | --- |"];
  for (const fault of FAULTS) {
    server.requests.length = 0;
    server.setHandler(fault.response ? () => fault.response! : healthy);
    const baseUrl = fault.baseUrl ? await fault.baseUrl() : server.baseUrl;
    const client = new VerifierClient({ baseUrl, model: "toy", timeoutMs: TIMEOUT_MS, maxRetries: 1, retryBaseDelayMs: 20 });
    const started = performance.now();
    const error = await verifyEchoed(client, { prompt, draft }).then(
      () => assert.fail(`${fault.name}: expected a rejection`),
      (caught: unknown) => caught,
    );
    const elapsed = performance.now() - started;
    assert.ok(error instanceof Error);
    assert.equal(error.name, fault.error, `${fault.name}: ${error.message}`);
    assert.match(error.message, fault.message, fault.name);
    // One attempt plus one retry at most, each bounded by the timeout (DNS may be slow to say no).
    assert.ok(elapsed < 2 * TIMEOUT_MS + 1_500, `${fault.name}: took ${elapsed.toFixed(0)} ms`);
    const health = await client.probe({ timeoutMs: TIMEOUT_MS });
    assert.equal(health.status, fault.probe, `${fault.name}: probe ${JSON.stringify(health)}`);
    const attempts = "attempts" in error ? String(error.attempts) : "1";
    rows.push(`| ${fault.name} | ${error.name} | ${attempts} | ${elapsed.toFixed(0)} | ${health.status} | ${isVerifierUnavailable(error) ? "yes" : "no"} |`);
    client.dispose();
  }
  console.log(`verifier fault table\n${rows.join("\n")}`);
});

test("the circuit breaker stops calling a dead verifier, probes it with doubling cool-downs, and closes when it is back", async () => {
  server.setHandler(() => errorJson(503));
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy", timeoutMs: TIMEOUT_MS, maxRetries: 0 });
  const transitions: CircuitState[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    coolDownMs: 150,
    maxCoolDownMs: 400,
    probe: async (signal) => (await client.probe({ signal, timeoutMs: TIMEOUT_MS })).status === "ok",
    onStateChange: (state) => transitions.push(state),
  });
  after(() => breaker.dispose());

  // A function, not a property read: assert.equal would narrow the state for the rest of the test.
  const stateOf = (): CircuitState["state"] => breaker.state.state;

  /** One completion's worth of verifier use, as the daemon does it: skipped while open. */
  const verify = async (): Promise<"skipped" | "ok" | "failed"> => {
    if (!breaker.closed) return "skipped";
    try {
      await verifyEchoed(client, { prompt, draft });
      breaker.recordSuccess();
      return "ok";
    } catch (error) {
      breaker.recordFailure(error);
      return "failed";
    }
  };

  assert.deepEqual([await verify(), await verify()], ["failed", "failed"]);
  assert.equal(stateOf(), "closed", "two failures are below the threshold");
  assert.equal(await verify(), "failed");
  assert.equal(stateOf(), "open");
  const postsWhenOpened = server.requests.filter((r) => r.method === "POST").length;
  assert.equal(postsWhenOpened, 3);

  // While open, nothing is sent for completions, however much the user types.
  for (let i = 0; i < 20; i++) assert.equal(await verify(), "skipped");
  assert.equal(server.requests.filter((r) => r.method === "POST").length, postsWhenOpened);

  // Probes come after the cool-down, and fail while the server is down: 150 ms, then 300 ms.
  for (let i = 0; i < 300 && server.requests.filter((r) => r.method === "GET").length < 2; i++) await delay(10);
  const probes = server.requests.filter((r) => r.method === "GET");
  assert.ok(probes.length >= 2 && probes.every((r) => r.url === "/v1/models"), `probes: ${probes.map((r) => r.url).join(", ")}`);
  const gap = probes[1].receivedAt - probes[0].receivedAt;
  assert.ok(gap >= 280, `the second cool-down doubled (gap ${gap.toFixed(0)} ms)`);
  assert.equal(stateOf(), "open");

  // The verifier comes back: the next probe closes the circuit, completions go through again.
  server.setHandler(healthy);
  // The next probe is at most one capped cool-down (400 ms) away; polled, as the machine may be busy.
  for (let i = 0; i < 300 && stateOf() !== "closed"; i++) await delay(10);
  assert.equal(stateOf(), "closed", JSON.stringify(transitions.at(-1)));
  assert.equal(await verify(), "ok");

  // Auth, request and response errors are answers, not unavailability: they never open it.
  server.setHandler(() => errorJson(401));
  for (let i = 0; i < 5; i++) assert.equal(await verify(), "failed");
  assert.equal(stateOf(), "closed");
  client.dispose();
});
