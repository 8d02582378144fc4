// The typing benchmark's check of the profile's first-line prediction: every pause's prediction
// (with its 80% interval) beside what was measured, the median |error| and the interval's coverage.
import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { firstLinePredictionCheckOf, firstLinePredictionOfRow, pausePredictionOf, rowConfigurationOf } from "../../../server/bench/typing/firstLinePredictionCheck.js";
import type { KeystrokeOutcome } from "../../../server/bench/typing/lspTypist.js";
import type { Sitting } from "../../../server/bench/typing/typingMetrics.js";
import { FirstLinePredictionCheckSchema } from "../../../server/bench/typing/typingSchema.js";
import type { Keystroke } from "../../../server/bench/typing/typingScript.js";
import { predictFirstLine } from "../../../server/prediction/firstLineLatency.js";
import { replicateProfiles } from "../../../server/prediction/predictionInterval.js";
import { writeProfile } from "../../../server/profiler/profileStore.js";
import { SMALLEST_DRAFTER, syntheticProfile, syntheticProfileInput, withBootstrap } from "../../helpers/syntheticProfile.js";
import { tempDir } from "../../helpers/tempDir.js";

/** Keys 1, 3, 5 … are pauses; `measured[i]` is pause i's keystroke → suggestion (null: nothing shown). */
function sittingOf(measured: (number | null)[]): Sitting {
  const script: Keystroke[] = [];
  const outcomes: KeystrokeOutcome[] = [];
  for (const [i, ms] of measured.entries()) {
    script.push({ delayMs: 100, edit: { kind: "insert", text: "a" }, typedLength: 2 * i + 1, onTrack: true, pauseAfterMs: 50 });
    outcomes.push({ index: 2 * i, outcome: "superseded" });
    script.push({ delayMs: 100, edit: { kind: "insert", text: "b" }, typedLength: 2 * i + 2, onTrack: true, pauseAfterMs: 3_000 });
    outcomes.push(ms === null ? { index: 2 * i + 1, outcome: "empty" } : { index: 2 * i + 1, outcome: "shown", latencyMs: ms, text: "x" });
  }
  return { region: { file: "a.ts", languageId: "typescript", before: "", target: "ab".repeat(measured.length), after: "" }, script, outcomes, settled: "" };
}

test("every pause gets the prediction beside its measurement; error and coverage are judged on the pauses that showed something", () => {
  const prediction = { ms: 200, low: 150, high: 300 };
  const check = firstLinePredictionCheckOf([sittingOf([100, 180, 220, 260, null, 500])], prediction);
  assert.ok(FirstLinePredictionCheckSchema.safeParse(check).success);
  assert.equal(check.pauses.length, 6);
  assert.deepEqual(check.pauses[4], { file: "a.ts", keystroke: 9, predictedMs: 200, low: 150, high: 300, measuredMs: null });
  assert.equal(check.judged, 5);
  // |errors|: 0.5, 0.1, 0.1, 0.3, 1.5 → median 0.3
  assert.equal(check.medianAbsError, 0.3);
  assert.equal(check.coverage, 3 / 5);
});

test("without an interval there is no coverage, and without a shown suggestion no error", () => {
  const noInterval = firstLinePredictionCheckOf([sittingOf([200])], { ms: 200, low: null, high: null });
  assert.equal(noInterval.coverage, null);
  assert.equal(noInterval.medianAbsError, 0);
  const nothingShown = firstLinePredictionCheckOf([sittingOf([null, null])], { ms: 200, low: 100, high: 300 });
  assert.deepEqual([nothingShown.judged, nothingShown.medianAbsError, nothingShown.coverage], [0, null, null]);
});

test("the prediction is the selector's first line at the profile's round trip plus the debounce, with its interval", () => {
  const profile = withBootstrap(syntheticProfile({ rttMs: 30 }), 0.1);
  const configuration = rowConfigurationOf(profile, { drafterId: SMALLEST_DRAFTER, k: 4, threads: 1 }, true);
  assert.deepEqual(configuration, { drafterId: SMALLEST_DRAFTER, k: 4, threads: 1, verified: true });
  const expected = predictFirstLine(profile, configuration, { rttMs: profile.verifier.rttMs.median }, replicateProfiles(profile));
  const prediction = pausePredictionOf(profile, configuration, 75);
  assert.ok(prediction && expected.interval);
  assert.equal(prediction.ms, expected.ms + 75);
  assert.equal(prediction.low, expected.interval.low + 75);
  assert.equal(prediction.high, expected.interval.high + 75);
  assert.ok(prediction.low! < prediction.high!);
  // Verifier-only and drafter-only rows are modelled too; a drafter the profile never saw is not.
  assert.ok(pausePredictionOf(profile, rowConfigurationOf(profile, { drafterId: null, k: 0 }, true)));
  assert.deepEqual(rowConfigurationOf(profile, { drafterId: SMALLEST_DRAFTER, k: 4 }, false), { drafterId: SMALLEST_DRAFTER, k: 0, threads: 1, verified: false });
  assert.equal(pausePredictionOf(profile, rowConfigurationOf(profile, { drafterId: "not-profiled", k: 4 }, true)), null);
});

test("a row is checked against the condition's stored profile, and not at all without one", async () => {
  const profilePath = join(await tempDir(), "profile.json");
  const profile = await writeProfile(profilePath, syntheticProfileInput({ rttMs: 30 }));
  const sittings = [sittingOf([250, null, 400])];
  const active = { drafterId: SMALLEST_DRAFTER, k: 4, threads: 1 };
  const check = await firstLinePredictionOfRow({ profilePath, active, verified: true, sittings, debounceMs: 0 });
  assert.ok(check);
  const expected = predictFirstLine(profile, rowConfigurationOf(profile, active, true), { rttMs: profile.verifier.rttMs.median });
  assert.equal(check.pauses[0].predictedMs, Math.round(expected.ms));
  assert.deepEqual(check.pauses.map((p) => p.measuredMs), [250, null, 400]);
  assert.equal(await firstLinePredictionOfRow({ profilePath: undefined, active, verified: true, sittings, debounceMs: 0 }), null);
  assert.equal(await firstLinePredictionOfRow({ profilePath, active: null, verified: true, sittings, debounceMs: 0 }), null);
});
