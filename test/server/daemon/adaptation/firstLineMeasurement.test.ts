import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompletionOutput } from "../../../../server/completionContract.js";
import { firstLineObservation, measuredFirstLine } from "../../../../server/daemon/adaptation/firstLineMeasurement.js";
import { predictFirstLine } from "../../../../server/prediction/firstLineLatency.js";
import { SMALLEST_DRAFTER, syntheticProfile } from "../../../helpers/syntheticProfile.js";

function output(text: string, tokens: number, rounds: { accepted: number; ms: number }[], totalMs: number): CompletionOutput {
  return {
    text,
    stopReason: "maxTokens",
    stats: {
      tokens,
      rounds: rounds.length,
      drafted: rounds.length * 4,
      accepted: rounds.reduce((n, r) => n + r.accepted, 0),
      timings: { draftMs: 0, verifyMs: 0, networkMs: 0, totalMs },
      usage: { promptTokens: 500 * Math.max(1, rounds.length), cachedTokens: 0, completionTokens: tokens },
      ...(rounds.length > 0 ? { perRound: rounds.map((r) => ({ drafted: 4, accepted: r.accepted, draftMs: r.ms / 2, verifyMs: r.ms / 2, networkMs: 0 })) } : {}),
    },
    configuration: { drafterId: SMALLEST_DRAFTER, k: 4, verified: true },
  };
}

test("the first line is ready at the end of the round whose verified tokens reach it, with the engine's own work spread over the rounds", () => {
  // 5 of 9 characters are the first line: 5 of 8 tokens; 2 tokens a round reach 5 in round 3.
  const measured = measuredFirstLine(output("abcd\nefgh", 8, Array.from({ length: 4 }, () => ({ accepted: 1, ms: 35 })), 4 * 35 + 20));
  assert.deepEqual(measured, { lineTokens: 5, ms: 3 * (35 + 5) });
});

test("a single-call completion decodes token by token: the line's share of the time; a one-line completion is all of it", () => {
  assert.deepEqual(measuredFirstLine(output("ab\ncdefghijklmnopq", 10, [], 1000)), { lineTokens: 2, ms: 200 });
  assert.deepEqual(measuredFirstLine(output("abc", 3, [], 90)), { lineTokens: 3, ms: 90 });
  assert.equal(measuredFirstLine(output("", 0, [], 0)), undefined);
});

test("the observation sets the measurement beside predictFirstLine for the same line, context and round trip", () => {
  const profile = syntheticProfile({ rttMs: 20 });
  const configuration = { drafterId: SMALLEST_DRAFTER, k: 4, threads: 1, verified: true };
  const served = output("abcd\nefgh", 8, Array.from({ length: 4 }, () => ({ accepted: 1, ms: 35 })), 160);
  const observation = firstLineObservation(profile, configuration, served, []);
  const expected = predictFirstLine(profile, configuration, { rttMs: profile.verifier.rttMs.median, lineTokens: 5, promptTokens: 500, verifierOnlyTokens: 5 });
  assert.deepEqual(observation, { predictedMs: expected.ms, measuredMs: 120 });
});
