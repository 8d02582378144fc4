import { objectiveMetric, OBJECTIVES, type Objective } from "../selector/objective.js";
import type { ScoredConfiguration } from "../selector/scoredConfiguration.js";
import type { Selection } from "../selector/selectConfiguration.js";

/** One configuration as a chart row (JSON-safe: an infinite metric becomes null). */
export interface ChartPoint {
  label: string;
  /** The line it belongs to: the drafter id, or "verifier-only". */
  series: string;
  kind: "speculative" | "verifier-only" | "drafter-only";
  k: number;
  threads: number;
  goodput: number | null;
  tokensPerUsd: number | null;
  tokensPerJoule: number | null;
  /** Each metric's 80% interval (low, high); null when the profile has no bootstrap replicates. */
  goodputLow: number | null;
  goodputHigh: number | null;
  tokensPerUsdLow: number | null;
  tokensPerUsdHigh: number | null;
  tokensPerJouleLow: number | null;
  tokensPerJouleHigh: number | null;
  onFront: boolean;
  /** Objectives that picked it, e.g. "latency, battery"; "" when none. */
  picks: string;
}

/** The metric a chart plots, one per objective. */
export type ChartField = "goodput" | "tokensPerUsd" | "tokensPerJoule";

export const METRIC_FIELDS: Readonly<Record<Objective, ChartField>> = {
  latency: "goodput",
  cost: "tokensPerUsd",
  battery: "tokensPerJoule",
};

function bound(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

export function chartPoint(selection: Selection, scored: ScoredConfiguration): ChartPoint {
  const p = scored.prediction;
  const { configuration } = scored;
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    label: scored.label,
    series: configuration.drafterId === null ? "verifier-only" : p.kind === "drafter-only" ? `${configuration.drafterId} alone` : configuration.drafterId,
    kind: p.kind,
    k: configuration.k,
    threads: configuration.threads,
    goodput: finite(p.goodput),
    tokensPerUsd: finite(p.tokensPerUsd),
    tokensPerJoule: finite(p.tokensPerJoule),
    goodputLow: bound(scored.interval?.goodput.low),
    goodputHigh: bound(scored.interval?.goodput.high),
    tokensPerUsdLow: bound(scored.interval?.tokensPerUsd.low),
    tokensPerUsdHigh: bound(scored.interval?.tokensPerUsd.high),
    tokensPerJouleLow: bound(scored.interval?.tokensPerJoule.low),
    tokensPerJouleHigh: bound(scored.interval?.tokensPerJoule.high),
    onFront: selection.paretoFront.includes(scored),
    picks: OBJECTIVES.filter((o) => selection.picks[o].choice === scored).join(", "),
  };
}

/**
 * The line of each drafter against K for one metric: at every (drafter, K) the best thread
 * count for that metric, so a line shows what the drafter can do at that K.
 */
export function bestThreadsByK(selection: Selection, objective: Objective): ChartPoint[] {
  const best = new Map<string, ScoredConfiguration>();
  for (const scored of selection.candidates) {
    if (scored.prediction.kind !== "speculative") continue;
    const key = `${scored.configuration.drafterId}\u0000${scored.configuration.k}`;
    const current = best.get(key);
    if (!current || objectiveMetric(objective, scored.prediction) > objectiveMetric(objective, current.prediction)) best.set(key, scored);
  }
  return [...best.values()].map((scored) => chartPoint(selection, scored));
}
