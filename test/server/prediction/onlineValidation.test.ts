import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DRIFT_MIN_COMPLETIONS,
  FIRST_LINE_DRIFT_CHECKS,
  FIRST_LINE_DRIFT_THRESHOLD,
  FIRST_LINE_WINDOW,
  FirstLineDriftCheck,
  OnlineValidation,
} from "../../../server/prediction/onlineValidation.js";
import { predict } from "../../../server/prediction/performanceModel.js";
import type { PredictionInterval } from "../../../server/prediction/predictionInterval.js";
import { SMALLEST_DRAFTER, syntheticProfile } from "../../helpers/syntheticProfile.js";

const prediction = predict(syntheticProfile(), { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true }, {});
const g = prediction.goodput;
const band = { low: g * 0.8, high: g * 1.2 };
const interval: PredictionInterval = { level: 0.8, goodput: band, usdPerToken: band, joulesPerToken: band, tokensPerUsd: band, tokensPerJoule: band, replicates: 40 };

test("completions inside the interval: predicted vs measured so far, no drift", () => {
  const online = new OnlineValidation();
  online.setPrediction(prediction, interval);
  for (let i = 0; i < 30; i++) assert.equal(online.observe({ goodput: g * (i % 2 ? 0.95 : 1.1), tokens: 64, tokensPerRound: prediction.tokensPerRound }), undefined);
  const s = online.summary();
  assert.equal(s.completions, 30);
  assert.equal(s.coverage, 1);
  assert.ok(Math.abs(s.goodputError) < 0.1);
  assert.equal(s.drift, undefined);
});

test("a persistent slowdown is a drift, reported once with its reason", () => {
  const online = new OnlineValidation();
  online.setPrediction(prediction, interval);
  const reasons: string[] = [];
  for (let i = 0; i < 40; i++) {
    const reason = online.observe({ goodput: g * 0.5, tokens: 64, tokensPerRound: prediction.tokensPerRound });
    if (reason) reasons.push(reason);
    if (i < DRIFT_MIN_COMPLETIONS - 1) assert.equal(reason, undefined, "not before enough completions");
  }
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /ran slower than the 80% interval/);
});

describe("first-line drift", () => {
  const interval = { low: 160, high: 260 };
  const at = (measuredMs: number) => ({ predictedMs: 200, measuredMs, interval });

  test("measurements around the prediction: median error small, coverage counted, no drift", () => {
    const check = new FirstLineDriftCheck();
    const measured = [150, 190, 210, 230, 250, 180, 200, 300, 170, 220, 205, 195];
    for (let round = 0; round < 4; round++) for (const ms of measured) assert.equal(check.observe(at(ms)), undefined);
    const s = check.summary();
    assert.equal(s.completions, FIRST_LINE_WINDOW);
    assert.ok(Math.abs(s.medianError) < 0.1, `median error ${s.medianError}`);
    assert.equal(s.coverage, 10 / 12);
    assert.equal(s.offChecks, 0);
  });

  test(`a median beyond ${FIRST_LINE_DRIFT_THRESHOLD * 100}% for ${FIRST_LINE_DRIFT_CHECKS} checks in a row is a drift, reported once`, () => {
    const check = new FirstLineDriftCheck();
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < FIRST_LINE_WINDOW + 10; i++) reasons.push(check.observe(at(200 * 1.8)));
    const reported = reasons.flatMap((r, i) => (r ? [i] : []));
    // The window fills at completion FIRST_LINE_WINDOW; that is the first check.
    assert.deepEqual(reported, [FIRST_LINE_WINDOW - 1 + FIRST_LINE_DRIFT_CHECKS - 1]);
    assert.match(reasons[reported[0]]!, /80% slower than predicted/);
    assert.equal(check.summary().coverage, 0);
  });

  test("a short burst of slow completions is not a drift: the median and the consecutive checks absorb it", () => {
    const check = new FirstLineDriftCheck();
    for (let i = 0; i < 60; i++) {
      // Five slow completions in every twelve: the median stays on the prediction.
      const reason = check.observe(at(i % 12 < 5 ? 1000 : 200));
      assert.equal(reason, undefined, `completion ${i}`);
    }
  });

  test("a faster machine drifts too, and reset starts the comparison over", () => {
    const check = new FirstLineDriftCheck();
    let reason: string | undefined;
    for (let i = 0; i < FIRST_LINE_WINDOW + FIRST_LINE_DRIFT_CHECKS; i++) reason ??= check.observe(at(60));
    assert.match(reason ?? "", /70% faster/);
    check.reset();
    assert.equal(check.summary().completions, 0);
    for (let i = 0; i < FIRST_LINE_WINDOW + FIRST_LINE_DRIFT_CHECKS - 2; i++) assert.equal(check.observe(at(60)), undefined);
  });

  test("a prediction or measurement that is not a time is ignored", () => {
    const check = new FirstLineDriftCheck();
    assert.equal(check.observe({ predictedMs: 0, measuredMs: 100 }), undefined);
    assert.equal(check.observe({ predictedMs: 100, measuredMs: Number.NaN }), undefined);
    assert.equal(check.summary().completions, 0);
  });
});
