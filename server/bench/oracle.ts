import type { Objective } from "../selector/objective.js";
import type { MeasuredRow } from "./measuredRow.js";

/** The measured value an objective maximises: goodput, tokens per USD, tokens per joule (medians over passes). */
export function measuredMetric(objective: Objective, row: MeasuredRow): number {
  switch (objective) {
    case "latency":
      return row.goodput.median;
    case "cost":
      return row.tokensPerUsd;
    case "battery":
      return row.tokensPerJoule.median;
  }
}

/**
 * The oracle: the verified configuration with the best measured value for the objective over
 * the whole measured grid (drafter-only is excluded: its output is not the verifier's). Ties go
 * to the earlier row (verifier-only first, then smaller K).
 */
export function oracleFor(objective: Objective, rows: readonly MeasuredRow[]): MeasuredRow {
  let best: MeasuredRow | undefined;
  for (const row of rows) {
    if (!row.verified) continue;
    if (!best || measuredMetric(objective, row) > measuredMetric(objective, best)) best = row;
  }
  if (!best) throw new RangeError("expected a verified configuration in the grid, found none");
  return best;
}
