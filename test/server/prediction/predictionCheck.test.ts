import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompletionStats } from "../../../server/completionContract.js";
import { predict } from "../../../server/prediction/performanceModel.js";
import { checkPrediction, sumCompletionStats } from "../../../server/prediction/predictionCheck.js";
import { SMALLEST_DRAFTER, syntheticProfile } from "../../helpers/syntheticProfile.js";

const profile = syntheticProfile();
const prediction = predict(profile, { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true }, { maxTokens: 64 });

/** What the engine would report if the world were exactly the model, split over two completions. */
function asMeasured(share: number): CompletionStats {
  const p = prediction;
  return {
    tokens: p.tokens * share,
    rounds: p.rounds * share,
    drafted: p.rounds * 4 * share,
    accepted: (p.tokensPerRound - 1) * p.rounds * share,
    timings: { draftMs: p.time.draftMs * share, verifyMs: p.time.verifyMs * share, networkMs: p.time.networkMs * share, totalMs: p.completionMs * share },
    usage: { promptTokens: p.billed.inputTokens * share, cachedTokens: p.billed.cachedTokens * share, completionTokens: p.billed.outputTokens * share },
  };
}

test("a world that matches the model checks out with zero error", () => {
  const measured = sumCompletionStats([asMeasured(0.25), asMeasured(0.75)]);
  const check = checkPrediction(prediction, measured, profile.prices, prediction.joulesPerToken * prediction.tokens);
  for (const [figure, error] of Object.entries(check.relativeError)) assert.ok(Math.abs(error) < 1e-9, `${figure}: ${error}`);
});

test("a slower round shows up as a negative goodput error and a positive round-time error", () => {
  const measured = asMeasured(1);
  measured.timings.totalMs *= 1.25;
  const check = checkPrediction(prediction, measured, profile.prices);
  assert.ok(Math.abs(check.relativeError.goodput - (1 / 1.25 - 1)) < 1e-9);
  assert.ok(Math.abs(check.relativeError.roundMs - 0.25) < 1e-9);
  assert.ok(Number.isNaN(check.measured.joulesPerToken), "not metered");
});
