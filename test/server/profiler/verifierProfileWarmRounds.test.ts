import assert from "node:assert/strict";
import { test } from "node:test";
import type { RoundObservation } from "../../../server/engine/loops/loopTypes.js";
import { GENERATE_TOKENS, verifierProfileOf, type VerifierMeasurements } from "../../../server/profiler/verifierProfile.js";

// Which rounds time the verifier: those whose prompt was cached, as the endpoint reports it; an
// endpoint that reports no cached tokens at all (vLLM unless asked) still profiles, from the
// sweep's rounds, which follow an untimed round on the same prompt.

function round(k: number, cachedTokens: number, latencyMs: number): RoundObservation {
  const contextTokens = 500;
  return {
    k,
    drafted: k,
    accepted: 0,
    contextTokens,
    drafterCatchUpTokens: 0,
    tokenMs: [],
    draftCallMs: 0,
    verifyStartMs: 0,
    verifyEndMs: latencyMs,
    stats: { latencyMs, attemptMs: latencyMs, networkMs: 0, attempts: 1, usage: { promptTokens: contextTokens + k, cachedTokens, completionTokens: 1 } },
  };
}

function measurements(sweepRounds: RoundObservation[], generateCalls: VerifierMeasurements["generateCalls"] = [{ promptTokens: 500, tokens: 16, ms: 400 }]): VerifierMeasurements {
  return {
    rttMs: { median: 1, p90: 1 },
    rttSamplesMs: [1, 1, 1],
    sweepRounds,
    prefillPoints: [{ promptTokens: 500, ms: 50 }, { promptTokens: 1000, ms: 100 }],
    generateCalls,
  };
}

const endpoint = { baseUrl: "http://127.0.0.1:1/v1", model: "m", protocol: "prefix-probe" as const };

test("an endpoint that reports cached tokens is timed on its warm rounds only", () => {
  const sweep = [round(1, 500, 20), round(4, 500, 26), round(2, 0, 900)];
  const profile = verifierProfileOf(measurements(sweep), [], endpoint);
  assert.deepEqual(profile.verifyMs.points.map((p) => p.k), [1, 4], "the cold round is left out");
});

test("an endpoint that reports no cached tokens is timed on the sweep's rounds, not refused", () => {
  const sweep = [round(1, 0, 20), round(4, 0, 26), round(2, 0, 23)];
  const profile = verifierProfileOf(measurements(sweep), [round(3, 0, 900)], endpoint);
  assert.deepEqual(profile.verifyMs.points.map((p) => p.k), [1, 4, 2], "the sweep's rounds, not the walks'");
});

// Decode time: a call that ended early still times its decode steps; one that ended after a
// single token has none, and then the warm K = 0 rounds (one forward pass each) stand in.

test("a verifier-only call that ended early is timed over the decode steps it made", () => {
  const sweep = [round(0, 500, 11), round(1, 500, 20)];
  // prefill fit: 0.1 ms per prompt token, so 50 ms at 500 tokens; round trip 1 ms.
  const early = verifierProfileOf(measurements(sweep, [{ promptTokens: 500, tokens: 5, ms: 51 + 4 * 7 }]), [], endpoint);
  assert.ok(Math.abs(early.generateMsPerToken.median - 7) < 1e-9, `7 ms over its 4 decode steps, got ${early.generateMsPerToken.median}`);
  const full = verifierProfileOf(measurements(sweep, [{ promptTokens: 500, tokens: GENERATE_TOKENS, ms: 51 + (GENERATE_TOKENS - 1) * 7 }]), [], endpoint);
  assert.ok(Math.abs(full.generateMsPerToken.median - 7) < 1e-9);
});

test("a verifier that ends every text after one token is timed on its warm K = 0 rounds, not refused", () => {
  const sweep = [round(0, 500, 13), round(0, 500, 15), round(2, 500, 30)];
  const profile = verifierProfileOf(measurements(sweep, [{ promptTokens: 500, tokens: 1, ms: 60 }]), [], endpoint);
  assert.equal(profile.generateMsPerToken.median, 13, "the K = 0 rounds' server time (12 and 14 ms), not the K = 2 round's");
  assert.throws(() => verifierProfileOf(measurements([round(2, 500, 30)], [{ promptTokens: 500, tokens: 1, ms: 60 }]), [], endpoint), /found neither/);
});
