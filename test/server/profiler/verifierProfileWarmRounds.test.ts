import assert from "node:assert/strict";
import { test } from "node:test";
import type { RoundObservation } from "../../../server/engine/loops/loopTypes.js";
import { verifierProfileOf, type VerifierMeasurements } from "../../../server/profiler/verifierProfile.js";

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

function measurements(sweepRounds: RoundObservation[]): VerifierMeasurements {
  return {
    rttMs: { median: 1, p90: 1 },
    rttSamplesMs: [1, 1, 1],
    sweepRounds,
    prefillPoints: [{ promptTokens: 500, ms: 50 }, { promptTokens: 1000, ms: 100 }],
    generateCalls: [{ promptTokens: 500, ms: 400 }],
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
