import type { CompletionOutput } from "../../completionContract.js";
import type { Configuration } from "../../prediction/configuration.js";
import { predictFirstLine } from "../../prediction/firstLineLatency.js";
import type { FirstLineObservation } from "../../prediction/onlineValidation.js";
import type { Profile } from "../../profile/profileSchema.js";

/** A served completion's first line, in tokens, and the ms the engine took to produce it. */
export interface MeasuredFirstLine {
  lineTokens: number;
  ms: number;
}

/**
 * When the served completion's first line was ready. Rounds carry no text, so the line's token
 * count is its share of the completion's characters; the line is ready at the end of the round
 * whose verified tokens reach it, the engine's own work between rounds spread evenly over them.
 * Single-call modes (verifier-only, drafter-only) decode token by token: their share of the time.
 * Undefined for an empty completion.
 */
export function measuredFirstLine(output: CompletionOutput): MeasuredFirstLine | undefined {
  const { text, stats } = output;
  if (stats.tokens <= 0 || text.length === 0 || !(stats.timings.totalMs > 0)) return undefined;
  const newline = text.indexOf("\n");
  const lineChars = newline === -1 ? text.length : newline + 1;
  const lineTokens = Math.max(1, Math.min(stats.tokens, Math.ceil((stats.tokens * lineChars) / text.length)));
  const rounds = stats.perRound;
  if (!rounds || rounds.length === 0) return { lineTokens, ms: (stats.timings.totalMs * lineTokens) / stats.tokens };
  const measuredMs = rounds.reduce((t, r) => t + r.draftMs + r.verifyMs + r.networkMs, 0);
  const overheadPerRound = Math.max(0, stats.timings.totalMs - measuredMs) / rounds.length;
  let tokens = 0;
  let ms = 0;
  for (const round of rounds) {
    tokens += round.accepted + 1;
    ms += round.draftMs + round.verifyMs + round.networkMs + overheadPerRound;
    if (tokens >= lineTokens) break;
  }
  return { lineTokens, ms };
}

/**
 * The served completion's time to the first line beside what the profile predicts for that line
 * (its length, the completion's context per round, the profile's median round trip), with the
 * prediction's interval from the profile's bootstrap replicates.
 */
export function firstLineObservation(profile: Profile, configuration: Configuration, output: CompletionOutput, replicates: readonly Profile[]): FirstLineObservation | undefined {
  const measured = measuredFirstLine(output);
  if (!measured) return undefined;
  const { stats } = output;
  const promptTokens = stats.rounds > 0 ? Math.round(stats.usage.promptTokens / stats.rounds) : stats.usage.promptTokens;
  const prediction = predictFirstLine(
    profile,
    configuration,
    { rttMs: profile.verifier.rttMs.median, lineTokens: measured.lineTokens, promptTokens: promptTokens > 0 ? promptTokens : undefined, verifierOnlyTokens: measured.lineTokens },
    replicates,
  );
  return { predictedMs: prediction.ms, measuredMs: measured.ms, ...(prediction.interval ? { interval: { low: prediction.interval.low, high: prediction.interval.high } } : {}) };
}
