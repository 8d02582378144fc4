import { DRAFTER_ONLY_CHUNK } from "../engine/loops/singleModelModes.js";
import type { DrafterProfile, LatencyStats, Profile } from "../profile/profileSchema.js";
import { configurationKind, configurationLabel, type Configuration } from "./configuration.js";
import { InvalidConfigurationError } from "./invalidConfigurationError.js";
import { firstRoundOf } from "./completionLength.js";
import { protocolFits } from "./protocolFits.js";
import { draftMsPerTokenFor, roundSchedule, verifierPrefillMsFor, verifyMsFor } from "./performanceModel.js";
import { DEFAULT_INTERVAL_LEVEL, quantile, type MetricInterval } from "./predictionInterval.js";

/**
 * What a person waits for at a pause while typing (the typing benchmark's keystroke →
 * suggestion), not steady-state goodput: the time to the first verified LINE, from a prompt whose
 * caches (the drafter's KV, the verifier's prefix cache) were warmed `staleTokens` ago — only
 * those tokens are prefilled again. Steady state (prompt fully cached, 64 tokens) favours large K
 * and long completions; a first line is ~10–20 tokens and pays the stale prefill once.
 */
export interface FirstLineConditions {
  /** Network round trip. */
  rttMs: number;
  /** Tokens in the line shown (the stop rules end the first round trip there). Default {@link DEFAULT_LINE_TOKENS}. */
  lineTokens?: number;
  /** Prompt length (the context the verifier scores). Default 1,024. */
  promptTokens?: number;
  /** Tokens typed since the caches were last warmed, prefilled by both models at the pause. Default 0 ({@link predictFirstLine}: {@link DEFAULT_STALE_TOKENS}). */
  staleTokens?: number;
  /**
   * Tokens verifier-only generates before anything is shown: a single non-streamed request decodes
   * its whole budget, so pass maxTokens; a streamed one (the verifier-only mode) stops at the line.
   * Default: `lineTokens`.
   */
  verifierOnlyTokens?: number;
}

/** A line of code in tokens (code tokenizers: ~3–4 characters per token, ~40–60 characters per line). */
export const DEFAULT_LINE_TOKENS = 14;
const DEFAULT_PROMPT_TOKENS = 1024;
const MS_PER_SECOND = 1000;

function meanOf(stats: LatencyStats): number {
  return stats.mean ?? stats.median;
}

function drafterOf(profile: Profile, configuration: Configuration): DrafterProfile {
  const drafter = profile.drafters.find((d) => d.id === configuration.drafterId);
  if (!drafter) throw new InvalidConfigurationError(configurationLabel(configuration), `expected a profiled drafter, found ${configuration.drafterId}`);
  return drafter;
}

/**
 * Predicted ms from the pause to the first verified line:
 * - speculative: drafter prefill of the stale tokens + the verifier's prefill of them (once, in
 *   the first round) + Σ over roundSchedule(curve, K, L) of RTT + verify(k, context) + k·draft + overhead
 *   + the first round's extra at a new cursor position (the profile's measured term, 0 without it);
 * - verifier-only: RTT + prefill(stale) + (V − 1) × decode, V = `verifierOnlyTokens`;
 * - drafter-only: drafter prefill of the stale tokens + L × draft + ⌈L / chunk⌉ × overhead.
 * The terms are performanceModel.ts's (fits from the profile); only the workload differs.
 */
export function predictFirstLineMs(profile: Profile, configuration: Configuration, conditions: FirstLineConditions): number {
  const L = Math.max(1, conditions.lineTokens ?? DEFAULT_LINE_TOKENS);
  const P = conditions.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const stale = conditions.staleTokens ?? 0;
  const { verifier } = profile;
  const verifierStaleMs = stale > 0 ? verifier.prefillMs.perPromptTokenMs * stale : 0;
  const kind = configurationKind(configuration);
  if (kind === "verifier-only") {
    const V = Math.max(1, conditions.verifierOnlyTokens ?? L);
    return conditions.rttMs + verifierPrefillMsFor(verifier.prefillMs, stale) + (V - 1) * meanOf(verifier.generateMsPerToken);
  }
  const drafter = drafterOf(profile, configuration);
  const drafterStaleMs = (stale / drafter.prefillTokensPerSecond) * MS_PER_SECOND;
  const draftMs = draftMsPerTokenFor(drafter, configuration.threads, P + L / 2);
  if (kind === "drafter-only") return drafterStaleMs + L * draftMs + Math.ceil(L / DRAFTER_ONLY_CHUNK) * drafter.roundOverheadMs;
  const schedule = roundSchedule(drafter.acceptanceCurve, configuration.k, L);
  const context = P + schedule.meanOutputBefore;
  const { verifyFit } = protocolFits(profile, configuration.protocol);
  let roundsMs = 0;
  for (const [k, count] of schedule.roundsAtK.entries()) {
    if (count > 0) roundsMs += count * (conditions.rttMs + verifyMsFor(verifyFit, k, context) + k * draftMs + (k > 0 ? drafter.roundOverheadMs : 0));
  }
  const first = firstRoundOf(drafter);
  return drafterStaleMs + verifierStaleMs + roundsMs + first.draftMs + first.verifyMs;
}

/**
 * Tokens typed since the caches were last warmed when the person pauses: with warm-up while
 * typing (the daemon warms after each debounced edit) about the last word or two.
 */
export const DEFAULT_STALE_TOKENS = 8;

/** A first-line prediction with the conditions it is for and its spread over the profile's bootstrap replicates. */
export interface FirstLinePrediction {
  /** Predicted ms from the pause to the first verified line. */
  ms: number;
  /** The `level` interval of `ms` over the replicates (low ≤ ms ≤ high); absent when the profile has none. */
  interval?: MetricInterval;
  conditions: Required<Omit<FirstLineConditions, "verifierOnlyTokens">>;
}

/**
 * {@link predictFirstLineMs} with its interval: the same prediction on every bootstrap replicate
 * of the profile (replicateProfiles), the (1 − level)/2 and (1 + level)/2 quantiles, as
 * predictionInterval.ts does for goodput.
 */
export function predictFirstLine(
  profile: Profile,
  configuration: Configuration,
  conditions: FirstLineConditions,
  replicates: readonly Profile[] = [],
  level = DEFAULT_INTERVAL_LEVEL,
): FirstLinePrediction {
  const resolved = {
    rttMs: conditions.rttMs,
    lineTokens: conditions.lineTokens ?? DEFAULT_LINE_TOKENS,
    promptTokens: conditions.promptTokens ?? DEFAULT_PROMPT_TOKENS,
    staleTokens: conditions.staleTokens ?? DEFAULT_STALE_TOKENS,
  };
  const ms = predictFirstLineMs(profile, configuration, { ...conditions, ...resolved });
  const values = replicates.map((replicate) => predictFirstLineMs(replicate, configuration, { ...conditions, ...resolved })).filter(Number.isFinite);
  if (values.length === 0) return { ms, conditions: resolved };
  const low = Math.min(ms, quantile(values, (1 - level) / 2));
  const high = Math.max(ms, quantile(values, (1 + level) / 2));
  return { ms, interval: { low, high }, conditions: resolved };
}
