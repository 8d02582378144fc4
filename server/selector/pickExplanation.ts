import type { Profile } from "../profile/profileSchema.js";
import { formatMetric, formatNumber, objectiveMetric, type Objective } from "./objective.js";
import { bestFor, type ScoredConfiguration } from "./scoredConfiguration.js";
import { windowText, type SpeculationWindow } from "./speculationWindow.js";

/**
 * One line saying what was picked, how it compares with the verifier-only baseline, and the
 * main reason it beat the runner-up (the best configuration of another drafter).
 */
export function explainPick(
  profile: Profile,
  objective: Objective,
  pick: ScoredConfiguration,
  candidates: readonly ScoredConfiguration[],
  window: SpeculationWindow,
): string {
  const { configuration, prediction } = pick;
  const value = objectiveMetric(objective, prediction);
  const verifierOnly = candidates.find((c) => c.prediction.kind === "verifier-only");
  if (prediction.kind === "verifier-only") return explainVerifierOnly(profile, objective, pick, candidates, window);
  if (objective === "latency") return explainFirstLine(pick, candidates, verifierOnly, window);

  const head = `${pick.label}: ${formatMetric(objective, value)}`;
  if (prediction.kind === "drafter-only") {
    const vs = verifierOnly ? `, ${ratioText(value, objectiveMetric(objective, verifierOnly.prediction))} verifier-only` : "";
    return `${head}${vs}; output is the drafter's own, NOT verified (allowed by allowUnverified)${objective === "cost" ? ": nothing is sent to the verifier" : ""}.`;
  }
  const vs = verifierOnly ? `, ${ratioText(value, objectiveMetric(objective, verifierOnly.prediction))} verifier-only (${formatMetric(objective, objectiveMetric(objective, verifierOnly.prediction))})` : "";
  const runnerUp = bestFor(
    candidates.filter((c) => c.prediction.kind === "speculative" && c.configuration.drafterId !== configuration.drafterId),
    objective,
  );
  const reason = runnerUp ? reasonAgainst(objective, pick, runnerUp) : reasonForK(pick);
  return `${head}${vs}; ${reason}.`;
}

/** "first verified line in 180 ms (80%: 150–230)": the latency objective's prediction and its interval. */
function firstLineText(scored: ScoredConfiguration): string {
  const { ms, interval } = scored.firstLine;
  return `first verified line in ${formatNumber(ms)} ms${interval ? ` (80%: ${formatNumber(interval.low)}–${formatNumber(interval.high)})` : ""}`;
}

/** What the first-line prediction is for: a pause after typing, caches warm but for the last few tokens. */
function firstLineConditionsText(scored: ScoredConfiguration): string {
  const c = scored.firstLine.conditions;
  return `a ~${c.lineTokens}-token line at a pause, ${c.staleTokens} tokens typed since the caches were warmed, RTT ${formatNumber(c.rttMs)} ms`;
}

/**
 * The latency pick: its predicted time to the first verified line (the pause's wait, not
 * steady-state goodput), against verifier-only streaming the same line and the runner-up.
 */
function explainFirstLine(pick: ScoredConfiguration, candidates: readonly ScoredConfiguration[], verifierOnly: ScoredConfiguration | undefined, window: SpeculationWindow): string {
  const head = `${pick.label}: ${firstLineText(pick)}`;
  const vs = verifierOnly ? `, ${formatNumber(pick.firstLine.ms / verifierOnly.firstLine.ms)}× verifier-only streaming it (${formatNumber(verifierOnly.firstLine.ms)} ms)` : "";
  if (pick.prediction.kind === "drafter-only") return `${head}${vs}; output is the drafter's own, NOT verified (allowed by allowUnverified); for ${firstLineConditionsText(pick)}.`;
  const runnerUp = bestFor(
    candidates.filter((c) => c.prediction.kind === "speculative" && c.configuration.drafterId !== pick.configuration.drafterId),
    "latency",
  );
  const reason = runnerUp ? `${reasonAgainst("latency", pick, runnerUp)} (its first line: ${formatNumber(runnerUp.firstLine.ms)} ms)` : reasonForK(pick);
  return `${head}${vs}; ${reason}; for ${firstLineConditionsText(pick)}; ${windowText(window, pick.firstLine.conditions.rttMs)}.`;
}

function explainVerifierOnly(profile: Profile, objective: Objective, pick: ScoredConfiguration, candidates: readonly ScoredConfiguration[], window: SpeculationWindow): string {
  if (objective === "latency") {
    const speculative = bestFor(candidates.filter((c) => c.prediction.kind === "speculative"), objective);
    const head = `verifier-only: ${firstLineText(pick)}`;
    if (!speculative) return `${head}; no drafter is profiled; for ${firstLineConditionsText(pick)}.`;
    return (
      `${head}, ${formatNumber(pick.firstLine.ms / speculative.firstLine.ms)}× the best speculative (${speculative.label}, ${formatNumber(speculative.firstLine.ms)} ms); ` +
      `streamed, the line arrives after one round trip, where speculation pays one per round; for ${firstLineConditionsText(pick)}; ${windowText(window, pick.firstLine.conditions.rttMs)}.`
    );
  }
  const value = objectiveMetric(objective, pick.prediction);
  const head = `verifier-only: ${formatMetric(objective, value)}`;
  const speculative = bestFor(candidates.filter((c) => c.prediction.kind === "speculative"), objective);
  if (!speculative) return `${head}; no drafter is profiled.`;
  const other = speculative.prediction;
  const vs = `${ratioText(value, objectiveMetric(objective, other))} the best speculative (${speculative.label}, ${formatMetric(objective, objectiveMetric(objective, other))})`;
  const p = pick.prediction;
  const reason =
    objective === "cost"
      ? `the prompt is billed once instead of once per round (${formatNumber(other.rounds)} rounds, ${formatNumber(other.billed.inputTokens)} input tokens)`
      : `the device idles at ${formatNumber(profile.power.idleWatts)} W while the verifier streams; drafting alone costs the speculative pick ${formatNumber(other.energy.draftingJoules / other.tokens)} J per token`;
  return `${head}, ${vs}; ${reason}.`;
}

function reasonAgainst(objective: Objective, pick: ScoredConfiguration, runnerUp: ScoredConfiguration): string {
  const a = pick.prediction;
  const b = runnerUp.prediction;
  const other = `${runnerUp.configuration.drafterId} at its best K=${runnerUp.configuration.k}`;
  const perRound = `${formatNumber(a.tokensPerRound)} vs ${formatNumber(b.tokensPerRound)} tokens per round`;
  switch (objective) {
    case "latency": {
      const d = a.draftMsPerToken ?? NaN;
      const e = b.draftMsPerToken ?? NaN;
      if (d < e) {
        const tradeoff = a.tokensPerRound < b.tokensPerRound ? `, which outweighs its ${perRound}` : ` and yields ${perRound}`;
        return `drafts ${formatNumber(e / d)}× faster (${formatNumber(d)} vs ${formatNumber(e)} ms/token) than ${other}${tradeoff}`;
      }
      return `yields ${perRound} of ${other}, worth its slower drafting (${formatNumber(d)} vs ${formatNumber(e)} ms/token)`;
    }
    case "cost":
      return `${perRound} of ${other}: ${formatNumber(a.rounds)} vs ${formatNumber(b.rounds)} requests per completion, each billed for the whole prompt`;
    case "battery":
      return `${formatNumber(a.joulesPerToken)} vs ${formatNumber(b.joulesPerToken)} J per token of ${other}: drafting ${formatNumber(a.energy.draftingJoules / a.tokens)} vs ${formatNumber(b.energy.draftingJoules / b.tokens)} J per token`;
  }
}

function reasonForK(pick: ScoredConfiguration): string {
  const p = pick.prediction;
  return `K=${pick.configuration.k} yields ${formatNumber(p.tokensPerRound)} tokens per ${ms(p.roundMs)} round`;
}

function ratioText(value: number, baseline: number): string {
  if (baseline === 0 || !Number.isFinite(value / baseline)) return "∞×";
  return `${formatNumber(value / baseline)}×`;
}

function ms(value: number): string {
  return `${formatNumber(value)} ms`;
}
