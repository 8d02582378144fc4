import assert from "node:assert/strict";
import { test } from "node:test";
import { predict } from "../../../server/prediction/performanceModel.js";
import { covers, predictionInterval, replicateProfile } from "../../../server/prediction/predictionInterval.js";
import { decideSwitch } from "../../../server/selector/switchDecision.js";
import { scoreConfigurations } from "../../../server/selector/scoredConfiguration.js";
import { resolveConditions } from "../../../server/prediction/conditions.js";
import { SMALLEST_DRAFTER, syntheticProfile, withBootstrap } from "../../helpers/syntheticProfile.js";

const base = syntheticProfile({ rttMs: 40 });
const configuration = { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true };

test("a profile without replicates gives the point as its interval", () => {
  const i = predictionInterval(base, configuration, {});
  const p = predict(base, configuration, {});
  assert.equal(i.replicates, 0);
  assert.equal(i.goodput.low, p.goodput);
  assert.equal(i.goodput.high, p.goodput);
});

test("the interval brackets the point, widens with the spread and with a small held-back set", () => {
  const narrow = predictionInterval(withBootstrap(base, 0.1), configuration, {});
  const wide = predictionInterval(withBootstrap(base, 0.4), configuration, {});
  const heldBack = predictionInterval(withBootstrap(base, 0.4), configuration, {}, { heldBackPrompts: 4 });
  const point = predict(base, configuration, {}).goodput;
  assert.ok(covers(narrow.goodput, point));
  assert.ok(wide.goodput.high - wide.goodput.low > narrow.goodput.high - narrow.goodput.low);
  // √(1 + 16/4) ≈ 2.24 times wider.
  const ratio = (heldBack.goodput.high - heldBack.goodput.low) / (wide.goodput.high - wide.goodput.low);
  assert.ok(Math.abs(ratio - Math.sqrt(5)) < 0.05, `ratio ${ratio}`);
});

test("a replicate replaces the curve and scales the drafting speed", () => {
  const profile = withBootstrap(base, 0.4);
  const replicate = replicateProfile(profile, 0);
  const d = replicate.drafters.find((x) => x.id === SMALLEST_DRAFTER)!;
  const original = profile.drafters.find((x) => x.id === SMALLEST_DRAFTER)!;
  assert.deepEqual(d.acceptanceCurve, profile.bootstrap!.drafters[SMALLEST_DRAFTER].acceptanceCurves[0]);
  assert.ok(Math.abs(d.draftMsPerToken.median / original.draftMsPerToken.median - 0.8) < 1e-9);
});

test("the selector does not switch for a win inside the intervals, and does beyond them", () => {
  const conditions = resolveConditions({});
  const others = { drafterId: SMALLEST_DRAFTER, k: 1, threads: 4, verified: true };
  for (const [spread, expected] of [
    [3, false],
    [0, true],
  ] as const) {
    const profile = withBootstrap(base, spread);
    const candidates = scoreConfigurations(profile, [configuration, others], conditions);
    const [better, worse] = [...candidates].sort((a, b) => b.prediction.goodput - a.prediction.goodput);
    const decision = decideSwitch(worse.configuration, candidates, "latency", 0.01);
    assert.equal(decision.switch, expected, `${spread}: ${decision.reason} (${better.label} over ${worse.label})`);
    if (!expected) assert.match(decision.reason, /within the intervals/);
  }
});

test("the latency objective can predict at the round trip's p90", () => {
  const p50 = predict(base, configuration, { rttPercentile: 50 });
  const p90 = predict(base, configuration, { rttPercentile: 90 });
  assert.equal(p90.rttMs, base.verifier.rttMs.p90);
  assert.ok(p90.goodput <= p50.goodput);
});
