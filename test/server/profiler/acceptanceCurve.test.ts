// The per-position acceptance estimator and the drafting-speed summary, on hand-built rounds
// whose answers are computed by hand in the comments.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectedTokensPerRound } from "../../../server/prediction/performanceModel.js";
import { CURVE_PRIOR_ROUNDS, estimateAcceptanceCurve } from "../../../server/profiler/acceptanceCurve.js";
import { drafterSpeedOf } from "../../../server/profiler/drafterSpeed.js";
import { latencyStatsOf, quantile } from "../../../server/profiler/latencyStats.js";
import { alignmentKs } from "../../../server/profiler/profileRunner.js";
import type { RoundObservation } from "../../../server/profiler/recordedRounds.js";

function round(k: number, accepted: number, overrides: Partial<RoundObservation> = {}): RoundObservation {
  return {
    k,
    drafted: k,
    accepted,
    contextTokens: 500,
    drafterCatchUpTokens: accepted + 1,
    tokenMs: Array.from({ length: k }, (_, i) => (i === 0 ? 3 : 1)),
    draftCallMs: k + 2.5,
    verifyStartMs: 0,
    verifyEndMs: 10,
    stats: { latencyMs: 10, attemptMs: 10, networkMs: 0, attempts: 1, usage: { promptTokens: 500 + k, cachedTokens: 499, completionTokens: 1 } },
    ...overrides,
  };
}

describe("estimateAcceptanceCurve", () => {
  it("a position asked for but not drafted (no n-gram match, a short draft) fails: the round yields only what was drafted", () => {
    // K=2 asked four times: a full draft accepting 2, then drafts of 1, 0 and 0 tokens, nothing rejected.
    const estimate = estimateAcceptanceCurve([round(2, 2), round(2, 1, { drafted: 1 }), round(2, 0, { drafted: 0 }), round(2, 0, { drafted: 0 })], 2);
    assert.deepEqual(estimate.samplesByPosition, [4, 2]);
    // Position 1: 2 of 4 passed; position 2: 1 of 2, both shrunk towards the previous estimate.
    const first = (2 + CURVE_PRIOR_ROUNDS * estimate.pooledAlpha) / (4 + CURVE_PRIOR_ROUNDS);
    assert.ok(Math.abs(estimate.curve[0] - first) < 1e-9);
    assert.equal(estimate.mean, 3 / 3);
  });

  it("counts a position only in rounds that tested it (censoring by earlier rejections and by K)", () => {
    // K=3 rounds accepting 3, 1, 0 and a K=1 round accepting 1.
    // Position 1 tested 4×, passed 3× (3, 1 and the K=1 round); position 2 tested by rounds
    // that accepted ≥ 1 and drafted ≥ 2: the 3- and the 1-round → 2×, passed 1×; position 3: 1×, passed 1×.
    const estimate = estimateAcceptanceCurve([round(3, 3), round(3, 1), round(3, 0), round(1, 1)], 3);
    assert.deepEqual(estimate.samplesByPosition, [4, 2, 1]);
    // pooled α = passed / tested = (3 + 1 + 1) / (4 + 2 + 1) = 5/7
    assert.ok(Math.abs(estimate.pooledAlpha - 5 / 7) < 1e-12);
    const m = CURVE_PRIOR_ROUNDS;
    const a1 = (3 + m * (5 / 7)) / (4 + m);
    const a2 = (1 + m * a1) / (2 + m);
    const a3 = (1 + m * a2) / (1 + m);
    assert.deepEqual(estimate.curve.map((a) => a.toFixed(12)), [a1, a2, a3].map((a) => a.toFixed(12)));
    // unconditional mean = accepted / drafted = 5 / 10
    assert.equal(estimate.mean, 0.5);
    assert.equal(estimate.rounds, 4);
  });

  it("converges on the true conditional curve with many rounds (prior washes out)", () => {
    // 1000 rounds of K=2: 60% accept both, 20% accept one, 20% none → a1 = 0.8, a2 = 0.6/0.8 = 0.75.
    const rounds = [...Array(600)].map(() => round(2, 2)).concat([...Array(200)].map(() => round(2, 1)), [...Array(200)].map(() => round(2, 0)));
    const { curve } = estimateAcceptanceCurve(rounds, 2);
    assert.ok(Math.abs(curve[0] - 0.8) < 0.002, `a1 ${curve[0]}`);
    assert.ok(Math.abs(curve[1] - 0.75) < 0.002, `a2 ${curve[1]}`);
    // E[2] = 1 + 0.8 + 0.8·0.75 = 2.4 = the mean tokens per round of the rounds (0.6·3 + 0.2·2 + 0.2·1)
    assert.ok(Math.abs(expectedTokensPerRound(curve, 2) - 2.4) < 0.005);
  });

  it("keeps untested positions at the last estimate instead of 0 or 1", () => {
    const { curve, samplesByPosition } = estimateAcceptanceCurve([round(4, 0), round(4, 1), round(4, 0)], 4);
    assert.deepEqual(samplesByPosition, [3, 1, 0, 0]);
    assert.equal(curve[2], curve[1]);
    assert.equal(curve[3], curve[1]);
  });
});

describe("drafterSpeedOf", () => {
  it("times tokens after the first, and puts the rest of the draft call in the round overhead", () => {
    // Each warm round: first token 3 ms, others 1 ms, call = K + 2.5 ms → per token 1, overhead = K + 2.5 − K·1 = 2.5.
    const speed = drafterSpeedOf([round(4, 2), round(4, 1), round(6, 3)]);
    assert.equal(speed.draftMsPerToken.median, 1);
    assert.equal(speed.roundOverheadMs, 2.5);
    assert.equal(speed.prefillTokensPerSecond, undefined, "no cold round");
  });

  it("takes prefill speed from cold rounds (catch-up of the whole prompt) and keeps them out of the per-token time", () => {
    // 500 prompt tokens evaluated in the first token's 50 ms → 10 000 tokens/s.
    const cold = round(4, 0, { drafterCatchUpTokens: 500, tokenMs: [50, 1, 1, 1], draftCallMs: 53 });
    const speed = drafterSpeedOf([cold, round(4, 2)]);
    assert.equal(speed.prefillTokensPerSecond, 10_000);
    assert.equal(speed.draftMsPerToken.median, 1);
  });

  it("reports speed per context bucket, ascending", () => {
    const rounds = [200, 400, 600, 800, 1000, 1200].map((contextTokens, i) => round(3, 1, { contextTokens, tokenMs: [2, 1 + i, 1 + i] }));
    const buckets = drafterSpeedOf(rounds).draftMsPerTokenByContext;
    assert.deepEqual(buckets.map((b) => b.contextTokens), [300, 700, 1100]);
    assert.deepEqual(buckets.map((b) => b.draftMsPerToken.median), [1.5, 3.5, 5.5]);
  });
});

describe("latency statistics and the alignment K schedule", () => {
  it("interpolates quantiles between order statistics", () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.ok(Math.abs(quantile([0, 10], 0.9) - 9) < 1e-12);
    assert.deepEqual(latencyStatsOf([5]), { median: 5, p90: 5, mean: 5 });
    assert.equal(latencyStatsOf([1, 1, 1, 9]).mean, 3, "the mean, which sums of samples grow with");
  });

  it("alternates Kmax with other K values, covering 1..Kmax−1 across prompts", () => {
    assert.deepEqual(alignmentKs(6, 10, 0), [10, 1, 10, 4, 10, 7]);
    const seen = new Set([...Array(12).keys()].flatMap((p) => alignmentKs(6, 10, p)));
    assert.deepEqual([...seen].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(alignmentKs(3, 1, 0), [1, 1, 1]);
  });
});
