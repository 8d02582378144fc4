import assert from "node:assert/strict";
import { test } from "node:test";
import { DRIFT_MIN_COMPLETIONS, OnlineValidation } from "../../../server/prediction/onlineValidation.js";
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
