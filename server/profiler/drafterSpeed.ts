import type { ContextSpeedPoint, LatencyStats } from "../profile/profileSchema.js";
import { latencyStatsOf, median } from "./latencyStats.js";
import type { RoundObservation } from "./recordedRounds.js";

/** Context-length buckets the drafting speed is reported in (terciles of the observed contexts). */
export const CONTEXT_BUCKETS = 3;

export interface DrafterSpeed {
  /** Per drafted token after the first, over warm rounds. */
  draftMsPerToken: LatencyStats;
  /** Mean draft-call wall time beyond drafted × the mean per-token time: catching up on the kept tokens, KV trimming, scheduling. */
  roundOverheadMs: number;
  draftMsPerTokenByContext: ContextSpeedPoint[];
  /** Batched prompt evaluation of cold first rounds; undefined when no round was cold. */
  prefillTokensPerSecond: number | undefined;
}

/**
 * A round is warm for the drafter when it only caught up on the previous round's kept tokens
 * (at most K + 1); otherwise its first token includes prefilling the prompt.
 */
export function isWarmDraft(round: RoundObservation): boolean {
  return round.drafted > 1 && round.drafterCatchUpTokens <= round.k + 1;
}

/**
 * Drafting speed from the rounds of the alignment walks: the same calls, contexts and KV-cache
 * state as completions, so no separate synthetic benchmark is needed (and none can disagree).
 */
export function drafterSpeedOf(rounds: readonly RoundObservation[]): DrafterSpeed {
  const warm = rounds.filter(isWarmDraft);
  if (warm.length === 0) throw new RangeError("expected warm drafting rounds to time, found none");
  const perToken = warm.flatMap((r) => r.tokenMs.slice(1));
  const draftMsPerToken = latencyStatsOf(perToken);
  // Means, not medians: goodput is tokens over total time. The per-call remainder is measured
  // beyond drafted × the MEAN per-token time; beyond the median it also held the skew of a shared
  // CPU times the profiling rounds' K (mostly Kmax), which the model then charged in full to every
  // round — K = 1 rounds were predicted ~K_profile × (mean − median) too slow (the K = 1–3 bias).
  const roundOverheadMs = Math.max(0, mean(warm.map((r) => r.draftCallMs - r.drafted * (draftMsPerToken.mean ?? draftMsPerToken.median))));
  const cold = rounds.filter((r) => r.drafterCatchUpTokens > r.k + 1 && r.tokenMs.length > 0);
  const prefillTokensPerSecond = cold.length > 0 ? median(cold.map((r) => (r.drafterCatchUpTokens * 1000) / r.tokenMs[0])) : undefined;
  return { draftMsPerToken, roundOverheadMs, draftMsPerTokenByContext: contextBuckets(warm), prefillTokensPerSecond };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function contextBuckets(warm: readonly RoundObservation[]): ContextSpeedPoint[] {
  const sorted = [...warm].sort((a, b) => a.contextTokens - b.contextTokens);
  const points: ContextSpeedPoint[] = [];
  for (let b = 0; b < CONTEXT_BUCKETS; b++) {
    const bucket = sorted.slice(Math.floor((b * sorted.length) / CONTEXT_BUCKETS), Math.floor(((b + 1) * sorted.length) / CONTEXT_BUCKETS));
    const samples = bucket.flatMap((r) => r.tokenMs.slice(1));
    if (samples.length === 0) continue;
    const contextTokens = Math.round(median(bucket.map((r) => r.contextTokens)));
    // Buckets must ascend strictly: equal medians (few distinct prompts) merge into one point.
    if (points.length > 0 && contextTokens <= points[points.length - 1].contextTokens) continue;
    points.push({ contextTokens, draftMsPerToken: latencyStatsOf(samples) });
  }
  return points;
}
