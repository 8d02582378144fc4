import type { LatencyStats, Profile } from "../profile/profileSchema.js";
import type { ConditionsInput } from "./conditions.js";
import type { Configuration } from "./configuration.js";
import { predict, type Prediction } from "./performanceModel.js";

/** The interval every prediction carries: 80% (10th to 90th percentile of the replicates). */
export const DEFAULT_INTERVAL_LEVEL = 0.8;

export interface MetricInterval {
  low: number;
  high: number;
}

/** An interval per predicted figure, at `level`. */
export interface PredictionInterval {
  level: number;
  goodput: MetricInterval;
  usdPerToken: MetricInterval;
  joulesPerToken: MetricInterval;
  tokensPerUsd: MetricInterval;
  tokensPerJoule: MetricInterval;
  /** Bootstrap replicates the interval came from (0: the profile has none, and the interval is the point). */
  replicates: number;
}

export interface IntervalOptions {
  /** Default {@link DEFAULT_INTERVAL_LEVEL}. */
  level?: number;
  /**
   * Prompts the measured figure will be averaged over. A measurement over n fresh prompts varies
   * around the population mean with variance σ²/n on top of the profile's own σ²/n_cal, so the
   * replicates' deviations are widened by √(1 + n_cal / n) (the usual prediction interval for a
   * future sample mean). Default: the long-run mean (no widening), which is what the selector compares.
   */
  heldBackPrompts?: number;
}

const FIGURES = ["goodput", "usdPerToken", "joulesPerToken", "tokensPerUsd", "tokensPerJoule"] as const;

/**
 * The profile with bootstrap replicate `b` in place of its point estimates: each drafter's
 * acceptance curve, drafting speed (scaled) and per-round overhead, the verify fit and the round trip.
 */
export function replicateProfile(profile: Profile, b: number): Profile {
  const bootstrap = profile.bootstrap;
  if (!bootstrap) return profile;
  const { verifier } = profile;
  const fit = bootstrap.verifier.verifyFits[b];
  const rtt = bootstrap.verifier.rttMs[b];
  return {
    ...profile,
    drafters: profile.drafters.map((drafter) => {
      const replicate = bootstrap.drafters[drafter.id];
      if (!replicate || replicate.acceptanceCurves.length <= b) return drafter;
      const s = replicate.draftTimeScale[b];
      const scale = (stats: LatencyStats): LatencyStats => ({ median: stats.median * s, p90: stats.p90 * s });
      return {
        ...drafter,
        acceptanceCurve: replicate.acceptanceCurves[b],
        draftMsPerToken: scale(drafter.draftMsPerToken),
        roundOverheadMs: replicate.roundOverheadMs[b],
        draftMsPerTokenByContext: drafter.draftMsPerTokenByContext?.map((p) => ({ ...p, draftMsPerToken: scale(p.draftMsPerToken) })),
        // The thread sweep only gives ratios to bestThreads: scaling it too keeps them.
        threadSweep: drafter.threadSweep?.map((p) => ({ ...p, draftMsPerToken: scale(p.draftMsPerToken) })),
      };
    }),
    verifier: {
      ...verifier,
      verifyMs: fit ? { points: verifier.verifyMs.points, fit } : verifier.verifyMs,
      rttMs: rtt === undefined ? verifier.rttMs : { median: rtt, p90: Math.max(rtt, verifier.rttMs.p90 + rtt - verifier.rttMs.median) },
    },
  };
}

/** Every replicate profile (none when the profile has no bootstrap). */
export function replicateProfiles(profile: Profile): Profile[] {
  const count = profile.bootstrap?.replicates ?? 0;
  return Array.from({ length: count }, (_, b) => replicateProfile(profile, b));
}

/**
 * The interval of a prediction: the configuration predicted with every replicate, the
 * (1 − level)/2 and (1 + level)/2 quantiles of the results, widened for a finite held-back set.
 * Replicates may be passed in (`replicateProfiles`), so a space of configurations shares them.
 */
export function predictionInterval(
  profile: Profile,
  configuration: Configuration,
  conditions: ConditionsInput,
  options: IntervalOptions = {},
  replicates: readonly Profile[] = replicateProfiles(profile),
  point: Prediction = predict(profile, configuration, conditions),
): PredictionInterval {
  const level = options.level ?? DEFAULT_INTERVAL_LEVEL;
  const nCal = profile.bootstrap?.calibrationPrompts ?? 0;
  const widen = options.heldBackPrompts && nCal > 0 ? Math.sqrt(1 + nCal / options.heldBackPrompts) : 1;
  const predictions = replicates.map((p) => predict(p, configuration, conditions));
  const interval = (figure: (typeof FIGURES)[number]): MetricInterval => {
    const center = point[figure];
    const values = predictions.map((p) => p[figure]).filter(Number.isFinite);
    if (values.length === 0 || !Number.isFinite(center)) return { low: center, high: center };
    const low = quantile(values, (1 - level) / 2);
    const high = quantile(values, (1 + level) / 2);
    return { low: Math.max(0, center - widen * Math.max(0, center - low)), high: center + widen * Math.max(0, high - center) };
  };
  return {
    level,
    goodput: interval("goodput"),
    usdPerToken: interval("usdPerToken"),
    joulesPerToken: interval("joulesPerToken"),
    tokensPerUsd: interval("tokensPerUsd"),
    tokensPerJoule: interval("tokensPerJoule"),
    replicates: predictions.length,
  };
}

/** Whether `value` lies inside the interval (ends included). */
export function covers(interval: MetricInterval, value: number): boolean {
  return value >= interval.low && value <= interval.high;
}

/** The q-quantile of `samples`, linearly interpolated. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}
