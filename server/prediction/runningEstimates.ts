import type { DrafterProfile, LatencyStats, Profile } from "../profile/profileSchema.js";

/**
 * What the running engine has observed since the profile was written. Applied to a profile,
 * the model re-predicts with them (online adaptation); the profile file is not changed.
 */
export interface RunningEstimates {
  /** Observed round trip, ms (replaces the profiled median; p90 keeps its ratio). */
  rttMs?: number;
  /** Observed verifier time / predicted verifier time: scales the verify and prefill fits and decode speed. */
  verifierTimeScale?: number;
  drafters?: Readonly<Record<string, DrafterEstimates>>;
}

export interface DrafterEstimates {
  /** Observed conditional acceptance by position (may be shorter than kMax: the rest is kept). */
  acceptanceCurve?: readonly number[];
  /** Observed draft time / predicted draft time: scales every speed point of the drafter. */
  draftTimeScale?: number;
}

/** A copy of the profile with the running estimates applied. */
export function applyRunningEstimates(profile: Profile, estimates: RunningEstimates): Profile {
  const { verifier } = profile;
  const v = estimates.verifierTimeScale ?? 1;
  const rtt = estimates.rttMs;
  return {
    ...profile,
    drafters: profile.drafters.map((drafter) => {
      const observed = estimates.drafters?.[drafter.id];
      return observed ? applyDrafterEstimates(drafter, observed) : drafter;
    }),
    verifier: {
      ...verifier,
      rttMs: rtt === undefined ? verifier.rttMs : { median: rtt, p90: rtt * ratio(verifier.rttMs) },
      verifyMs: {
        points: verifier.verifyMs.points,
        fit: {
          baseMs: verifier.verifyMs.fit.baseMs * v,
          perDraftTokenMs: verifier.verifyMs.fit.perDraftTokenMs * v,
          perPromptTokenMs: verifier.verifyMs.fit.perPromptTokenMs * v,
          perDraftContextMs: (verifier.verifyMs.fit.perDraftContextMs ?? 0) * v,
        },
      },
      generateMsPerToken: scaleStats(verifier.generateMsPerToken, v),
      prefillMs: { baseMs: verifier.prefillMs.baseMs * v, perPromptTokenMs: verifier.prefillMs.perPromptTokenMs * v },
    },
  };
}

function applyDrafterEstimates(drafter: DrafterProfile, observed: DrafterEstimates): DrafterProfile {
  const s = observed.draftTimeScale ?? 1;
  const curve = drafter.acceptanceCurve.map((a, i) => clampProbability(observed.acceptanceCurve?.[i] ?? a));
  return {
    ...drafter,
    acceptanceCurve: curve,
    draftMsPerToken: scaleStats(drafter.draftMsPerToken, s),
    roundOverheadMs: drafter.roundOverheadMs * s,
    draftMsPerTokenByContext: drafter.draftMsPerTokenByContext?.map((p) => ({ ...p, draftMsPerToken: scaleStats(p.draftMsPerToken, s) })),
    threadSweep: drafter.threadSweep?.map((p) => ({ ...p, draftMsPerToken: scaleStats(p.draftMsPerToken, s) })),
  };
}

function scaleStats(stats: LatencyStats, scale: number): LatencyStats {
  return { median: stats.median * scale, p90: stats.p90 * scale };
}

function ratio(stats: LatencyStats): number {
  return stats.median > 0 ? stats.p90 / stats.median : 1;
}

function clampProbability(p: number): number {
  return Math.min(1, Math.max(0, p));
}
