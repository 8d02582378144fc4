import type { Conditions } from "../prediction/conditions.js";
import { configurationLabel, type Configuration } from "../prediction/configuration.js";
import { predictFirstLine, type FirstLinePrediction } from "../prediction/firstLineLatency.js";
import { predict, type Prediction } from "../prediction/performanceModel.js";
import { predictionInterval, replicateProfiles, type PredictionInterval } from "../prediction/predictionInterval.js";
import type { Profile } from "../profile/profileSchema.js";
import { selectionMetric, type Objective } from "./objective.js";

/** A configuration with its prediction. */
export interface ScoredConfiguration {
  configuration: Configuration;
  label: string;
  prediction: Prediction;
  /** The prediction's 80% interval; absent when the profile has no bootstrap replicates. */
  interval?: PredictionInterval;
  /** Time to the first verified line at a pause, from a warm prompt (what the latency objective ranks by), with its interval. */
  firstLine: FirstLinePrediction;
}

export function scoreConfigurations(profile: Profile, configurations: readonly Configuration[], conditions: Conditions): ScoredConfiguration[] {
  const replicates = replicateProfiles(profile);
  return configurations.map((configuration) => {
    const prediction = predict(profile, configuration, conditions);
    return {
      configuration,
      label: configurationLabel(configuration),
      prediction,
      firstLine: predictFirstLine(profile, configuration, { rttMs: prediction.rttMs, promptTokens: conditions.promptTokens }, replicates),
      ...(replicates.length > 0 ? { interval: predictionInterval(profile, configuration, conditions, {}, replicates, prediction) } : {}),
    };
  });
}

/** Metrics closer than this (relative) are a tie, broken towards the simpler configuration. */
const RELATIVE_TIE = 1e-9;

/**
 * Whether `a` is a better choice than `b` for the objective: higher {@link selectionMetric}; on a tie, verified
 * before unverified, then verifier-only, then smaller K, then fewer threads, then higher goodput
 * (two protocols billed alike tie on cost; the faster one is the better pick).
 */
export function isBetter(a: ScoredConfiguration, b: ScoredConfiguration, objective: Objective): boolean {
  const x = selectionMetric(objective, a);
  const y = selectionMetric(objective, b);
  const scale = Math.max(Math.abs(x), Math.abs(y));
  if (x !== y && !(Number.isFinite(scale) && Math.abs(x - y) <= RELATIVE_TIE * scale)) return x > y;
  const ca = a.configuration;
  const cb = b.configuration;
  if (ca.verified !== cb.verified) return ca.verified;
  if ((ca.drafterId === null) !== (cb.drafterId === null)) return ca.drafterId === null;
  if (ca.k !== cb.k) return ca.k < cb.k;
  if (ca.threads !== cb.threads) return ca.threads < cb.threads;
  return a.prediction.goodput > b.prediction.goodput;
}

/** The best candidate for the objective; undefined for an empty list. */
export function bestFor(candidates: readonly ScoredConfiguration[], objective: Objective): ScoredConfiguration | undefined {
  let best: ScoredConfiguration | undefined;
  for (const candidate of candidates) if (!best || isBetter(candidate, best, objective)) best = candidate;
  return best;
}
