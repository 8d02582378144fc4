import type { ActiveConfiguration } from "../../lspContract.js";
import type { PredictedVsMeasured } from "../../prediction/onlineValidation.js";
import type { CompletionLedger } from "./completionLedger.js";

/** configspec/stats' view of online validation (JSON-safe: NaN becomes null); null before any completion. */
export function statsOfValidation(summary: PredictedVsMeasured) {
  if (summary.completions === 0) return null;
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    completions: summary.completions,
    predictedGoodput: finite(summary.predictedGoodput),
    measuredGoodput: finite(summary.measuredGoodput),
    goodputError: finite(summary.goodputError),
    coverage: finite(summary.coverage),
    drift: summary.drift ?? null,
  };
}

/** configspec/stats' answer. */
export function statsResult(active: ActiveConfiguration, ledger: CompletionLedger, predictedVsMeasured: PredictedVsMeasured) {
  return { active, last: ledger.last, totals: { ...ledger.totals }, counters: { ...ledger.counters }, warmups: { ...ledger.warmups }, predictedVsMeasured: statsOfValidation(predictedVsMeasured) };
}
