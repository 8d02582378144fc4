import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, test } from "node:test";
import { VerifierClient, type VerifierClientOptions } from "../../../server/verifier/verifierClient.js";
import { VerifierAuthError } from "../../../server/verifier/verifierAuthError.js";
import { VerifierRequestError } from "../../../server/verifier/verifierRequestError.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { VerifierTimeoutError } from "../../../server/verifier/verifierTimeoutError.js";
import { VerifierUnavailableError } from "../../../server/verifier/verifierUnavailableError.js";
import { faultyHttpServerForFile, unusedPort, type FaultyResponse } from "../../helpers/faultyHttpServer.js";
import { completionBody, tokenIdLogprobs, toyContinuation, toyVllmHandler } from "../../helpers/completionFixtures.js";
import { verifyEchoed } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";

// The reliability side: every way an endpoint misbehaves, on a real socket on 127.0.0.1.

const API_KEY = "sk-test-7f3a9c1e5b2d";
const prompt = [5, 17, 42];
const draft = toyContinuation(prompt, 3);
const okBody = completionBody(tokenIdLogprobs([...prompt, ...draft]), "ok");
const ok: FaultyResponse = { kind: "json", body: okBody };
// Slack for timers and a loaded 2-core machine.
const MARGIN_MS = 400;

const server = await faultyHttpServerForFile(toyVllmHandler);

function client(options: Partial<VerifierClientOptions> = {}): VerifierClient {
  return new VerifierClient({ baseUrl: server.baseUrl, model: "toy", apiKey: API_KEY, retryBaseDelayMs: 20, ...options });
}

/** The key must not appear in the message, the JSON, or anything util.inspect shows (causes included). */
function assertNoKey(error: unknown) {
  assert.ok(error instanceof Error);
  for (const view of [error.message, JSON.stringify(error), inspect(error, { depth: 8 }), String(error.stack)]) {
    assert.ok(!view.includes(API_KEY), `the API key leaked into: ${view.slice(0, 300)}`);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

test("a refused connection is VerifierUnavailableError, quickly, after the configured retries", async () => {
  const verifier = new VerifierClient({ baseUrl: `http://127.0.0.1:${await unusedPort()}`, model: "toy", apiKey: API_KEY });
  const started = performance.now();
  const error = await rejection(verifyEchoed(verifier, { prompt, draft }));
  assert.ok(error instanceof VerifierUnavailableError, String(error));
  assert.equal(error.attempts, 3);
  assert.equal(error.status, undefined);
  assert.match(error.message, /expected an HTTP response, found a connection error \(ECONNREFUSED/);
  assert.ok(performance.now() - started < 2_000, "default backoff stays well under a second per retry");
  assertNoKey(error);
});

test("a server that never answers times out within the timeout plus a margin, without a retry", async () => {
  server.setHandler(() => ({ kind: "hang" }));
  const started = performance.now();
  const error = await rejection(verifyEchoed(client({ timeoutMs: 300 }), { prompt, draft }));
  const elapsed = performance.now() - started;
  assert.ok(error instanceof VerifierTimeoutError, String(error));
  assert.ok(error instanceof VerifierUnavailableError, "a timeout is a kind of unavailability");
  assert.ok(elapsed >= 295 && elapsed < 300 + MARGIN_MS, `took ${elapsed} ms`);
  assert.equal(server.requests.length, 1);
  assert.match(error.message, /within 300 ms/);
});

test("the timeout covers the body too: a slow drip is cut off", async () => {
  server.enqueue({ kind: "drip", body: JSON.stringify(okBody), chunkBytes: 8, intervalMs: 100 });
  const started = performance.now();
  const error = await rejection(verifyEchoed(client({ timeoutMs: 300 }), { prompt, draft }));
  assert.ok(error instanceof VerifierTimeoutError, String(error));
  assert.ok(performance.now() - started < 300 + MARGIN_MS);
});

test("a slow drip that completes in time is a normal response", async () => {
  server.enqueue({ kind: "drip", body: JSON.stringify(okBody), chunkBytes: 400, intervalMs: 10 });
  const result = await verifyEchoed(client(), { prompt, draft });
  assert.equal(result.accepted, 3);
});

test("429 with retry-after: 1 is retried once, after at least a second", async () => {
  server.enqueue({ kind: "json", status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down" } } }, ok);
  const result = await verifyEchoed(client(), { prompt, draft });
  assert.equal(result.stats.attempts, 2);
  assert.equal(server.requests.length, 2);
  const waited = server.requests[1].receivedAt - server.requests[0].receivedAt;
  assert.ok(waited >= 995 && waited < 1_000 + MARGIN_MS, `waited ${waited} ms`);
  assert.ok(result.stats.latencyMs >= 995 && result.stats.attemptMs < result.stats.latencyMs - 900);
  assert.equal(server.requests[1].headers["x-stainless-retry-count"], "1");
});

test("retry-after-ms is honoured, and a retry-after longer than the cap fails at once without retrying", async () => {
  server.enqueue({ kind: "json", status: 503, headers: { "retry-after-ms": "150" }, body: {} }, ok);
  await verifyEchoed(client(), { prompt, draft });
  const waited = server.requests[1].receivedAt - server.requests[0].receivedAt;
  assert.ok(waited >= 145 && waited < 150 + MARGIN_MS, `waited ${waited} ms`);

  server.requests.length = 0;
  server.enqueue({ kind: "json", status: 429, headers: { "retry-after": "30" }, body: {} });
  const error = await rejection(verifyEchoed(client({ retryMaxDelayMs: 2_000 }), { prompt, draft }));
  assert.ok(error instanceof VerifierUnavailableError);
  assert.equal(error.retryAfterMs, 30_000);
  assert.equal(error.attempts, 1);
  assert.equal(server.requests.length, 1);
  assert.match(error.message, /retry after 30000 ms, longer than our 2000 ms cap/);
});

test("500, 502, 503 and 504 are retried with backoff until success", async () => {
  const failure = (status: number): FaultyResponse => ({ kind: "raw", status, headers: { "content-type": "text/html" }, body: "<h1>oops</h1>" });
  server.enqueue(failure(500), failure(502), failure(503), failure(504), ok);
  const result = await verifyEchoed(client({ maxRetries: 4 }), { prompt, draft });
  assert.equal(result.stats.attempts, 5);
  assert.equal(server.requests.length, 5);
});

test("when every attempt fails the error carries the last status and the attempt count", async () => {
  server.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } }));
  const error = await rejection(verifyEchoed(client(), { prompt, draft }));
  assert.ok(error instanceof VerifierUnavailableError);
  assert.deepEqual([error.attempts, error.status], [3, 503]);
  assert.equal(server.requests.length, 3);
  assert.match(error.message, /after 3 attempt\(s\): expected HTTP 2xx, found 503/);
});

test("401 and 403 are VerifierAuthErrors, never retried, and never show the key the server echoed", async () => {
  for (const status of [401, 403]) {
    server.requests.length = 0;
    server.enqueue({ kind: "json", status, body: { error: { message: `Incorrect API key provided: ${API_KEY}` } } });
    const error = await rejection(verifyEchoed(client(), { prompt, draft }));
    assert.ok(error instanceof VerifierAuthError, String(error));
    assert.equal(error.status, status);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].headers.authorization, `Bearer ${API_KEY}`);
    assertNoKey(error);
  }
});

test("400 and 404 are VerifierRequestErrors with the server's reason, redacted, never retried", async () => {
  server.enqueue({ kind: "json", status: 400, body: { error: { message: `prompt too long for model (key ${API_KEY})` } } });
  const error = await rejection(verifyEchoed(client(), { prompt, draft }));
  assert.ok(error instanceof VerifierRequestError, String(error));
  assert.match(error.message, /rejected POST \/completions: expected HTTP 2xx, found 400 \(prompt too long for model \(key \[api key\]\)\)/);
  assertNoKey(error);
  server.enqueue({ kind: "json", status: 404, body: { error: { message: "model toy not found" } } });
  const notFound = await rejection(verifyEchoed(client(), { prompt, draft }));
  assert.ok(notFound instanceof VerifierRequestError && notFound.status === 404);
  assert.equal(server.requests.length, 2);
});

test("malformed JSON, the wrong shape, missing or misaligned logprobs are VerifierResponseErrors, not retried", async () => {
  const misaligned = tokenIdLogprobs([...prompt, ...draft]);
  misaligned.text_offset.pop();
  const cases: [FaultyResponse, RegExp][] = [
    [{ kind: "raw", body: `{"choices": [{"text": "${API_KEY}` }, /expected JSON from POST \/completions, found \d+ characters/],
    [{ kind: "json", body: { choices: "nope", usage: {} } }, /expected a completion, found: .*choices/],
    [{ kind: "json", body: { result: [1, 2, 3] } }, /expected a completion/],
    [{ kind: "json", body: completionBody(null, "text") }, /expected choices\[0\]\.logprobs .*found none/],
    [{ kind: "json", body: completionBody(misaligned, "text") }, /expected logprobs arrays of equal length/],
  ];
  for (const [response, message] of cases) {
    server.requests.length = 0;
    server.enqueue(response);
    const error = await rejection(verifyEchoed(client(), { prompt, draft }));
    assert.ok(error instanceof VerifierResponseError, `${String(error)} for ${JSON.stringify(response).slice(0, 80)}`);
    assert.match(error.message, message);
    assert.match(error.message, /^Verifier at http:\/\/127\.0\.0\.1:\d+\/v1 sent an unusable response/);
    assert.equal(server.requests.length, 1);
    assertNoKey(error);
  }
});

test("a connection cut mid-body is a connection error (retried), never a hang", async () => {
  server.setHandler(() => ({ kind: "cutMidBody", body: JSON.stringify(okBody), bytesBeforeCut: 40 }));
  const started = performance.now();
  const error = await rejection(verifyEchoed(client({ maxRetries: 1 }), { prompt, draft }));
  assert.ok(error instanceof VerifierUnavailableError && !(error instanceof VerifierTimeoutError), String(error));
  assert.match(error.message, /expected the whole response body, found a connection error/);
  assert.equal(server.requests.length, 2);
  assert.ok(performance.now() - started < 1_000);

  server.requests.length = 0;
  server.enqueue({ kind: "destroy" }, ok);
  const recovered = await verifyEchoed(client(), { prompt, draft });
  assert.equal(recovered.stats.attempts, 2);
});

test("cancelling mid-request rejects with an AbortError at once: exactly one attempt, no retry", async () => {
  server.setHandler(() => ({ kind: "hang" }));
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 100);
  const error = await rejection(verifyEchoed(client(), { prompt, draft, signal: controller.signal }));
  assert.equal(error.name, "AbortError");
  assert.ok(performance.now() - started < 100 + MARGIN_MS);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(server.requests.length, 1);
});

test("cancelling during a backoff wait rejects with an AbortError and makes no further attempt", async () => {
  server.setHandler(() => ({ kind: "json", status: 503, headers: { "retry-after": "1" }, body: {} }));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150);
  const started = performance.now();
  const error = await rejection(verifyEchoed(client(), { prompt, draft, signal: controller.signal }));
  assert.equal(error.name, "AbortError");
  assert.ok(performance.now() - started < 150 + MARGIN_MS);
  assert.equal(server.requests.length, 1);
});

test("an already cancelled signal sends nothing", async () => {
  const error = await rejection(verifyEchoed(client(), { prompt, draft, signal: AbortSignal.abort() }));
  assert.equal(error.name, "AbortError");
  assert.equal(server.requests.length, 0);
});

test("cancelling while an emulated network delay is pending is an AbortError too", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const error = await rejection(verifyEchoed(client({ networkDelay: { rttMs: 5_000 } }), { prompt, draft, signal: controller.signal }));
  assert.equal(error.name, "AbortError");
  assert.equal(server.requests.length, 0);
});
