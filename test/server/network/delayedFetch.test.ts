import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createDelayedFetch, createRoundTripSampler } from "../../../server/network/delayedFetch.js";
import { InjectedDelayMeter } from "../../../server/network/injectedDelayMeter.js";
import { startFaultyHttpServer, type FaultyHttpServer } from "../../helpers/faultyHttpServer.js";

// Timers fire late, never early; a loaded 2-core machine can add tens of ms.
const LATE_TOLERANCE_MS = 100;
const EARLY_TOLERANCE_MS = 2;

let server: FaultyHttpServer;
before(async () => {
  server = await startFaultyHttpServer();
  server.setHandler(() => ({ kind: "json", body: { ok: true } }));
});
after(() => server.close());

test("the round trip is added in two halves: before the request and after the response headers", async () => {
  const fetch = createDelayedFetch({ rttMs: 100 });
  const meter = new InjectedDelayMeter();
  const started = performance.now();
  const response = await meter.run(() => fetch(`${server.baseUrl}/x`));
  const elapsed = performance.now() - started;
  assert.deepEqual(await response.json(), { ok: true });
  const arrived = server.requests.at(-1)!.receivedAt - started;
  assert.ok(arrived >= 50 - EARLY_TOLERANCE_MS && arrived < 50 + LATE_TOLERANCE_MS, `request arrived after ${arrived} ms`);
  assert.ok(elapsed >= 100 - EARLY_TOLERANCE_MS && elapsed < 100 + LATE_TOLERANCE_MS, `took ${elapsed} ms`);
  assert.ok(meter.totalMs >= 100 - EARLY_TOLERANCE_MS && meter.totalMs <= elapsed, `metered ${meter.totalMs} ms`);
});

test("split 'before' spends the whole round trip before the request is sent", async () => {
  const fetch = createDelayedFetch({ rttMs: 80, split: "before" });
  const started = performance.now();
  await (await fetch(`${server.baseUrl}/x`)).text();
  const arrived = server.requests.at(-1)!.receivedAt - started;
  assert.ok(arrived >= 80 - EARLY_TOLERANCE_MS && arrived < 80 + LATE_TOLERANCE_MS, `request arrived after ${arrived} ms`);
});

test("jitter is seeded: the same seed gives the same round trips, all within rtt ± jitter", () => {
  const a = createRoundTripSampler({ rttMs: 25, jitterMs: 10, seed: 7 });
  const b = createRoundTripSampler({ rttMs: 25, jitterMs: 10, seed: 7 });
  const c = createRoundTripSampler({ rttMs: 25, jitterMs: 10, seed: 8 });
  const first = Array.from({ length: 50 }, a);
  assert.deepEqual(first, Array.from({ length: 50 }, b));
  assert.notDeepEqual(first, Array.from({ length: 50 }, c));
  assert.ok(first.every((ms) => ms >= 15 && ms <= 35));
  assert.ok(new Set(first).size > 40, "jitter varies");
  assert.ok(Array.from({ length: 50 }, createRoundTripSampler({ rttMs: 2, jitterMs: 10 })).every((ms) => ms >= 0), "never negative");
  assert.throws(() => createRoundTripSampler({ rttMs: -1 }), RangeError);
});

test("aborting while the delay is pending rejects at once with an AbortError and sends nothing", async () => {
  let sent = 0;
  const fetch = createDelayedFetch({ rttMs: 5_000, fetch: async () => (sent++, new Response("never")) });
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(fetch("http://127.0.0.1:1/", { signal: controller.signal }), { name: "AbortError" });
  assert.ok(performance.now() - started < 30 + LATE_TOLERANCE_MS);
  assert.equal(sent, 0);
});

test("aborting during the return half cancels the response body", async () => {
  let cancelled = false;
  const body = new ReadableStream({ cancel: () => void (cancelled = true) });
  const fetch = createDelayedFetch({ rttMs: 400, fetch: async () => new Response(body) });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 250);
  await assert.rejects(fetch("http://127.0.0.1:1/", { signal: controller.signal }), { name: "AbortError" });
  assert.ok(cancelled);
});

test("concurrent calls each see only their own injected delay", async () => {
  const fast = createDelayedFetch({ rttMs: 20, fetch: async () => new Response("") });
  const slow = createDelayedFetch({ rttMs: 120, fetch: async () => new Response("") });
  const [a, b] = [new InjectedDelayMeter(), new InjectedDelayMeter()];
  await Promise.all([a.run(() => slow("http://x/")), b.run(() => fast("http://x/"))]);
  assert.ok(a.totalMs >= 118 && a.totalMs < 120 + LATE_TOLERANCE_MS, `slow: ${a.totalMs}`);
  assert.ok(b.totalMs >= 18 && b.totalMs < 20 + LATE_TOLERANCE_MS, `fast: ${b.totalMs}`);
});
