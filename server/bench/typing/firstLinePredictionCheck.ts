import { DEFAULT_SETTINGS } from "../../config/daemonSettings.js";
import type { Configuration } from "../../prediction/configuration.js";
import { predictFirstLine } from "../../prediction/firstLineLatency.js";
import { comparedProtocolOf } from "../../prediction/protocolFits.js";
import { replicateProfiles } from "../../prediction/predictionInterval.js";
import type { Profile } from "../../profile/profileSchema.js";
import { readProfile } from "../../profiler/profileStore.js";
import { isPause } from "./typingScript.js";
import type { Sitting } from "./typingMetrics.js";

/** The predicted time from a keystroke to the first verified line, as the measurement sees it. */
export interface PausePrediction {
  ms: number;
  /** The 80% interval; null when the profile has no bootstrap replicates. */
  low: number | null;
  high: number | null;
}

export interface PauseCheck {
  file: string;
  keystroke: number;
  predictedMs: number;
  low: number | null;
  high: number | null;
  /** Keystroke → suggestion; null where no suggestion was shown at the pause. */
  measuredMs: number | null;
}

export interface FirstLinePredictionCheck {
  pauses: PauseCheck[];
  /** Pauses with a suggestion, the ones error and coverage are judged on. */
  judged: number;
  /** Median |measured − predicted| / predicted over the judged pauses; null without any. */
  medianAbsError: number | null;
  /** Share of judged pauses whose measurement fell inside the 80% interval; null without intervals. */
  coverage: number | null;
}

/**
 * What the profile predicts a person waits for at a pause with `configuration`: the selector's own
 * first-line prediction (predictFirstLine at the profile's round trip, its default line and
 * prompt), plus the daemon's debounce, since the measurement starts at the keystroke.
 * Null when the profile cannot predict that configuration (another drafter).
 */
export function pausePredictionOf(profile: Profile, configuration: Configuration, debounceMs = DEFAULT_SETTINGS.debounceMs): PausePrediction | null {
  try {
    const prediction = predictFirstLine(profile, configuration, { rttMs: profile.verifier.rttMs.median }, replicateProfiles(profile));
    if (!Number.isFinite(prediction.ms)) return null;
    return {
      ms: prediction.ms + debounceMs,
      low: prediction.interval ? prediction.interval.low + debounceMs : null,
      high: prediction.interval ? prediction.interval.high + debounceMs : null,
    };
  } catch {
    return null;
  }
}

/** The configuration a row's daemon served (configspec/stats' active one), as the model names it. */
export function rowConfigurationOf(profile: Profile, active: { drafterId: string | null; k: number; threads?: number; protocol?: string }, verified: boolean): Configuration {
  const protocol = active.drafterId === null || !verified ? undefined : comparedProtocolOf(profile, active.protocol);
  return { drafterId: active.drafterId, k: verified ? active.k : 0, threads: active.threads ?? 1, verified, ...(protocol ? { protocol } : {}) };
}

/** The configuration a row's daemon served, checked against the condition's profile at every pause; null without a profile or a served configuration, or when the model cannot predict it. */
export async function firstLinePredictionOfRow(row: {
  profilePath: string | undefined;
  active: { drafterId: string | null; k: number; threads?: number; protocol?: string } | null | undefined;
  verified: boolean;
  sittings: readonly Sitting[];
  debounceMs: number | undefined;
}): Promise<FirstLinePredictionCheck | null> {
  if (!row.profilePath || !row.active) return null;
  const profile = await readProfile(row.profilePath);
  const prediction = pausePredictionOf(profile, rowConfigurationOf(profile, row.active, row.verified), row.debounceMs);
  return prediction ? firstLinePredictionCheckOf(row.sittings, prediction) : null;
}

/** Every pause of the sittings beside the prediction, with the median |error| and the interval's coverage. */
export function firstLinePredictionCheckOf(sittings: readonly Sitting[], prediction: PausePrediction): FirstLinePredictionCheck {
  const pauses: PauseCheck[] = sittings.flatMap((sitting) =>
    sitting.script.flatMap((key, index) => {
      if (!isPause(key)) return [];
      const outcome = sitting.outcomes[index];
      const measuredMs = outcome?.outcome === "shown" && outcome.latencyMs !== undefined ? Math.round(outcome.latencyMs) : null;
      return [{ file: sitting.region.file, keystroke: index, predictedMs: Math.round(prediction.ms), low: roundOrNull(prediction.low), high: roundOrNull(prediction.high), measuredMs }];
    }),
  );
  const judged = pauses.filter((p): p is PauseCheck & { measuredMs: number } => p.measuredMs !== null);
  const errors = judged.map((p) => Math.abs(p.measuredMs - prediction.ms) / prediction.ms).sort((a, b) => a - b);
  const { low, high } = prediction;
  return {
    pauses,
    judged: judged.length,
    medianAbsError: errors.length === 0 ? null : median(errors),
    coverage: low === null || high === null || judged.length === 0 ? null : judged.filter((p) => p.measuredMs >= low && p.measuredMs <= high).length / judged.length,
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
