import type { CompletionStats } from "../completionContract.js";
import type { PriceTable } from "../profile/profileSchema.js";
import { usdOf } from "./completionPrice.js";
import type { Prediction } from "./performanceModel.js";

/**
 * Checks a prediction against what the engine measured: rates, not totals, since a stop rule
 * can end a completion before `maxTokens`. Relative error = (measured − predicted) / predicted.
 */
export interface PredictionCheck {
  predicted: CheckedFigures;
  measured: CheckedFigures;
  relativeError: CheckedFigures;
}

export interface CheckedFigures {
  goodput: number;
  tokensPerRound: number;
  roundMs: number;
  usdPerToken: number;
  /** NaN when the run was not metered. */
  joulesPerToken: number;
}

/** Several completions' stats as one (sums; what a benchmark of N completions checks). */
export function sumCompletionStats(stats: readonly CompletionStats[]): CompletionStats {
  const total: CompletionStats = {
    tokens: 0,
    rounds: 0,
    drafted: 0,
    accepted: 0,
    timings: { draftMs: 0, verifyMs: 0, networkMs: 0, totalMs: 0 },
    usage: { promptTokens: 0, cachedTokens: 0, completionTokens: 0 },
  };
  for (const s of stats) {
    total.tokens += s.tokens;
    total.rounds += s.rounds;
    total.drafted += s.drafted;
    total.accepted += s.accepted;
    total.timings.draftMs += s.timings.draftMs;
    total.timings.verifyMs += s.timings.verifyMs;
    total.timings.networkMs += s.timings.networkMs;
    total.timings.totalMs += s.timings.totalMs;
    total.usage.promptTokens += s.usage.promptTokens;
    total.usage.cachedTokens += s.usage.cachedTokens;
    total.usage.completionTokens += s.usage.completionTokens;
  }
  return total;
}

/** Measured figures priced with the same table as the prediction, so only the model is checked. */
export function checkPrediction(prediction: Prediction, measured: CompletionStats, prices: PriceTable, measuredJoules?: number): PredictionCheck {
  const { usage, timings } = measured;
  const usd = usdOf(prices, usage, timings.verifyMs);
  const actual: CheckedFigures = {
    goodput: (measured.tokens * 1000) / timings.totalMs,
    tokensPerRound: measured.tokens / measured.rounds,
    roundMs: timings.totalMs / measured.rounds,
    usdPerToken: usd / measured.tokens,
    joulesPerToken: measuredJoules === undefined ? NaN : measuredJoules / measured.tokens,
  };
  const predicted: CheckedFigures = {
    goodput: prediction.goodput,
    tokensPerRound: prediction.tokensPerRound,
    roundMs: prediction.roundMs,
    usdPerToken: prediction.usdPerToken,
    joulesPerToken: prediction.joulesPerToken,
  };
  const error = (key: keyof CheckedFigures) => (actual[key] - predicted[key]) / predicted[key];
  return {
    predicted,
    measured: actual,
    relativeError: {
      goodput: error("goodput"),
      tokensPerRound: error("tokensPerRound"),
      roundMs: error("roundMs"),
      usdPerToken: error("usdPerToken"),
      joulesPerToken: error("joulesPerToken"),
    },
  };
}
