import type { Prediction } from "../prediction/performanceModel.js";
import type { Objective } from "../selector/objective.js";
import type { MeasuredRow } from "./measuredRow.js";
import { measuredMetric } from "./oracle.js";

/** The bench's selection target: the pick may lose at most 5 % of the oracle's (best measured configuration's) value. */
export const TARGET_REGRET = 0.05;

export interface RegretResult {
  objective: Objective;
  pick: string;
  oracle: string;
  /** Measured in the same repeated passes. */
  pickValue: number;
  oracleValue: number;
  /** max(0, 1 − pick / oracle): the share of the oracle's value the pick gives up. */
  regret: number;
  met: boolean;
}

export function regretOf(objective: Objective, pick: MeasuredRow, oracle: MeasuredRow): RegretResult {
  const pickValue = measuredMetric(objective, pick);
  const oracleValue = measuredMetric(objective, oracle);
  const regret = oracleValue === Infinity ? (pickValue === Infinity ? 0 : 1) : Math.max(0, 1 - pickValue / oracleValue);
  return { objective, pick: pick.label, oracle: oracle.label, pickValue, oracleValue, regret, met: regret <= TARGET_REGRET };
}

/** The profile's prediction for a configuration against its measurement; error = (measured − predicted) / predicted. */
export interface PredictionError {
  label: string;
  predicted: { goodput: number; usdPerToken: number; joulesPerToken: number; tokensPerRound: number };
  measured: { goodput: number; usdPerToken: number; joulesPerToken: number; tokensPerRound: number };
  relativeError: { goodput: number; usdPerToken: number; joulesPerToken: number; tokensPerRound: number };
}

export function predictionErrorOf(prediction: Prediction, row: MeasuredRow): PredictionError {
  const predicted = {
    goodput: prediction.goodput,
    usdPerToken: prediction.usdPerToken,
    joulesPerToken: prediction.joulesPerToken,
    tokensPerRound: prediction.tokensPerRound,
  };
  const measured = {
    goodput: row.goodput.median,
    usdPerToken: row.tokensPerUsd === Infinity ? 0 : 1 / row.tokensPerUsd,
    joulesPerToken: 1 / row.tokensPerJoule.median,
    // Verifier-only streams a whole completion per request: its "round" is the completion.
    tokensPerRound: row.tokensPerRound,
  };
  const error = (m: number, p: number) => (p === 0 ? (m === 0 ? 0 : NaN) : (m - p) / p);
  return {
    label: row.label,
    predicted,
    measured,
    relativeError: {
      goodput: error(measured.goodput, predicted.goodput),
      usdPerToken: error(measured.usdPerToken, predicted.usdPerToken),
      joulesPerToken: error(measured.joulesPerToken, predicted.joulesPerToken),
      tokensPerRound: error(measured.tokensPerRound, predicted.tokensPerRound),
    },
  };
}
