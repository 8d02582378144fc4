import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CompletionCut } from "../../../server/corpus/codeCorpus.js";
import type { SpeculativeEngine } from "../../../server/engine/speculativeEngine.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { VerifierTimeoutError } from "../../../server/verifier/verifierTimeoutError.js";
import { VerifierUnavailableError } from "../../../server/verifier/verifierUnavailableError.js";
import { unusedPort } from "../../helpers/faultyHttpServer.js";
import { startFaultInjectingProxy, type FaultInjectingProxy } from "../../helpers/faultInjectingProxy.js";
import { completionInput, corpusPrompts, speculativeFixture } from "../../helpers/speculativeFixture.js";

// Faults caused for real: a proxy on 127.0.0.1 in front of the real embedded verifier misbehaves
// on chosen rounds of a completion. Each case ends with a clear error or a clean recovery, never
// a hang, and the completion after it is still exactly the verifier's own text (no leaked state).
const MAX_TOKENS = 24;
const TIMEOUT_MS = 1_500;

const fixture = await speculativeFixture();

// Top level, so the after() hooks belong to the file, not to a before() hook.
const proxy: FaultInjectingProxy = await startFaultInjectingProxy(fixture.server.url);
after(() => proxy.close());
const client = new VerifierClient({ baseUrl: proxy.baseUrl, model: fixture.server.modelId, timeoutMs: TIMEOUT_MS, maxRetries: 2, retryBaseDelayMs: 20 });
after(() => client.dispose());

/** Waits until the proxy has seen `count` requests, failing instead of hanging. */
async function untilSeen(count: number, withinMs = 10_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (proxy.seen.length < count) {
    if (performance.now() > deadline) throw new Error(`the proxy saw ${proxy.seen.length} requests, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("speculative engine under verifier faults", () => {
  let engine: SpeculativeEngine;
  let cut: CompletionCut;
  let reference: string;

  before(async () => {
    // K = 2 with the weakest drafter: many rounds, so a fault lands mid-completion.
    engine = await fixture.engine({ k: 2, drafter: fixture.drafters[3], verifier: client });
    assert.equal(engine.mode, "tokenIds");
    [cut] = await corpusPrompts(1, 4242);
    const verifierOnly = await fixture.engine({ k: 0 });
    reference = (await verifierOnly.complete(completionInput(cut, MAX_TOKENS))).text;
  });

  async function assertStillExact(): Promise<void> {
    const output = await engine.complete(completionInput(cut, MAX_TOKENS));
    assert.equal(output.text, reference);
  }

  test("healthy through the proxy: exact, several rounds", async () => {
    const output = await engine.complete(completionInput(cut, MAX_TOKENS));
    assert.equal(output.text, reference);
    assert.ok(output.stats.rounds >= 4, `${output.stats.rounds} rounds`);
  });

  test("429 with retry-after on round 3, then success: retried, exact", async () => {
    const before = proxy.seen.length;
    proxy.enqueue({ kind: "forward" }, { kind: "forward" }, { kind: "status", status: 429, headers: { "retry-after": "0" }, body: '{"error":{"message":"slow down"}}' });
    const output = await engine.complete(completionInput(cut, MAX_TOKENS));
    assert.equal(output.text, reference);
    assert.equal(proxy.seen.length - before, output.stats.rounds + 1, "one extra request: the retry");
  });

  test("500 once: retried, exact; 500 every time: VerifierUnavailableError after the retries", async () => {
    proxy.enqueue({ kind: "forward" }, { kind: "status", status: 500, body: '{"error":{"message":"boom"}}' });
    assert.equal((await engine.complete(completionInput(cut, MAX_TOKENS))).text, reference);
    proxy.enqueue(...Array.from({ length: 3 }, () => ({ kind: "status" as const, status: 503, body: "{}" })));
    await assert.rejects(engine.complete(completionInput(cut, MAX_TOKENS)), (error) => {
      assert.ok(error instanceof VerifierUnavailableError);
      assert.match(error.message, /503/);
      return true;
    });
    await assertStillExact();
  });

  test("connection cut mid-body: retried as a network failure, exact", async () => {
    proxy.enqueue({ kind: "forward" }, { kind: "cutMidBody" });
    assert.equal((await engine.complete(completionInput(cut, MAX_TOKENS))).text, reference);
  });

  test("malformed JSON mid-completion: VerifierResponseError naming what was expected, then exact", async () => {
    proxy.enqueue({ kind: "forward" }, { kind: "malformed" });
    await assert.rejects(engine.complete(completionInput(cut, MAX_TOKENS)), (error) => {
      assert.ok(error instanceof VerifierResponseError);
      assert.match(error.message, /expected JSON/);
      return true;
    });
    await assertStillExact();
  });

  test("a round that never answers: VerifierTimeoutError after the timeout (a timed-out round is not retried), then exact", async () => {
    proxy.enqueue({ kind: "forward" }, { kind: "hang" });
    const started = performance.now();
    await assert.rejects(engine.complete(completionInput(cut, MAX_TOKENS)), (error) => {
      assert.ok(error instanceof VerifierTimeoutError);
      assert.match(error.message, /1500 ms/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + 2_000, `gave up after ${elapsed.toFixed(0)} ms`);
    await assertStillExact();
  });

  test("cancelled mid-round: returns 'aborted' at once, no retry, and the next completion is exact", async () => {
    proxy.enqueue({ kind: "forward" }, { kind: "forward" }, { kind: "delay", ms: 5_000 });
    const controller = new AbortController();
    const seenBefore = proxy.seen.length;
    const pending = engine.complete(completionInput(cut, MAX_TOKENS, { signal: controller.signal }));
    await untilSeen(seenBefore + 3);
    const abortedAt = performance.now();
    controller.abort();
    const output = await pending;
    assert.equal(output.stopReason, "aborted");
    assert.ok(performance.now() - abortedAt < 500, "cancellation is prompt");
    assert.equal(proxy.seen.length, seenBefore + 3, "a cancelled request is never retried");
    await assertStillExact();
  });

  test("verifier down: a clear VerifierUnavailableError, creating and completing", async () => {
    const deadUrl = `http://127.0.0.1:${await unusedPort()}/v1`;
    const deadClient = new VerifierClient({ baseUrl: deadUrl, model: "m", maxRetries: 1, retryBaseDelayMs: 10 });
    try {
      await assert.rejects(
        fixture.engine({ k: 4, verifier: deadClient }),
        (error) => error instanceof VerifierUnavailableError && /127\.0\.0\.1/.test(error.message),
      );
      const down = await fixture.engine({ k: 4, verifier: deadClient, tokenExchange: "ids" });
      await assert.rejects(down.complete(completionInput(cut, MAX_TOKENS)), VerifierUnavailableError);
    } finally {
      deadClient.dispose();
    }
  });
});
