import type { VerifierProtocolSetting } from "../../verifier/verifierProtocol.js";
import type { Profile } from "../../profile/profileSchema.js";
import type { Chart, ObjectivePick, ProfileView } from "../../lspContract.js";
import { pickFor, selectConfigurations, type Pick, type Selection } from "../../selector/selectConfiguration.js";
import { resolveObjective } from "../../selector/objective.js";
import type { ScoredConfiguration } from "../../selector/scoredConfiguration.js";

export interface ProfileViewOptions {
  /** Include drafter-only configurations (configspec.allowUnverified). */
  allowUnverified: boolean;
  /** Completion length the predictions are for (configspec.maxTokens). */
  maxTokens: number;
  /** The live power state the `auto` pick follows (null: cannot tell, so latency). Default: the state stored in the profile. */
  onBattery?: boolean | null;
  /** configspec.verifier.protocol: with `auto` (default) the protocol is one more dimension; a named one is the only one. */
  protocol?: VerifierProtocolSetting;
}

export interface ProfileViewResult {
  /** The view without charts (they render asynchronously: profileCharts.ts). */
  view: ProfileView;
  selection: Selection;
}

/**
 * What the panel shows of a profile: every configuration's predicted figures per completion
 * (server/model via server/selector), the pick per objective with its explanation, the Pareto
 * front, and the charts. Recomputed, never stored: it follows the settings.
 */
export function profileViewOf(profile: Profile, options: ProfileViewOptions): ProfileViewResult {
  const selection = selectConfigurations(profile, { allowUnverified: options.allowUnverified, conditions: { maxTokens: options.maxTokens }, onBattery: options.onBattery, protocol: options.protocol });
  const front = new Set(selection.paretoFront);
  const acceptance = new Map(profile.drafters.map((d) => [d.id, d.acceptanceMean]));
  const pick = (p: Pick): ObjectivePick => ({ ...keyOf(p.choice), verified: p.choice.configuration.verified, label: p.choice.label, explanation: p.explanation });
  const { machine, verifier } = profile;
  const corpus = calibrationCorpusOf(profile);
  const view: ProfileView = {
    profiledAt: profile.createdAt,
    machine:
      `${machine.cpuModel.trim()}, ${machine.cores} cores, ${machine.os}; ` +
      `verifier ${verifier.model} at ${verifier.baseUrl}, RTT ${Math.round(verifier.rttMs.median)} ms; power ${profile.power.label}`,
    ...(corpus ? { corpus } : {}),
    configurations: selection.candidates.map((scored) => ({
      ...keyOf(scored),
      label: scored.label,
      verified: scored.configuration.verified,
      goodputTokensPerSecond: finiteOr(scored.prediction.goodput, 0),
      ...(scored.interval?.replicates ? { goodputInterval: { low: finiteOr(scored.interval.goodput.low, 0), high: finiteOr(scored.interval.goodput.high, 0) } } : {}),
      latencyMs: finiteOr(scored.prediction.completionMs, 0),
      costUsd: finiteOr(scored.prediction.usd, 0),
      ...optional("costInterval", perCompletionInterval(scored.prediction.usd, scored.prediction.usdPerToken, scored.interval?.replicates ? scored.interval.usdPerToken : undefined)),
      energyJ: finiteOr(joulesOf(scored), 0),
      ...optional("energyInterval", perCompletionInterval(joulesOf(scored), scored.prediction.joulesPerToken, scored.interval?.replicates ? scored.interval.joulesPerToken : undefined)),
      acceptance: scored.configuration.drafterId === null ? null : (acceptance.get(scored.configuration.drafterId) ?? null),
      onParetoFront: front.has(scored),
    })),
    picks: {
      latency: pick(selection.picks.latency),
      cost: pick(selection.picks.cost),
      battery: pick(selection.picks.battery),
      auto: pick(pickFor(selection, "auto")),
    },
    charts: [],
  };
  return { view, selection };
}

/** The same view with its `auto` pick following a new power state (the other picks do not depend on it). */
export function withPowerState(view: ProfileView, onBattery: boolean | null): ProfileView {
  return { ...view, picks: { ...view.picks, auto: view.picks[resolveObjective("auto", onBattery)] } };
}

function keyOf(scored: ScoredConfiguration) {
  const { drafterId, k, threads, protocol } = scored.configuration;
  return { drafterId, k, ...(drafterId === null ? {} : { threads }), ...(protocol && { protocol }) };
}

interface Interval {
  low: number;
  high: number;
}

function joulesOf(scored: ScoredConfiguration): number {
  return scored.prediction.energy.draftingJoules + scored.prediction.energy.waitingJoules;
}

/** A per-token interval as one per completion (the completion's tokens are the same in every replicate); undefined when not finite. */
function perCompletionInterval(perCompletion: number, perToken: number, interval: Interval | undefined): Interval | undefined {
  if (!interval || !(perToken > 0) || !Number.isFinite(perCompletion)) return undefined;
  const low = (perCompletion * interval.low) / perToken;
  const high = (perCompletion * interval.high) / perToken;
  return Number.isFinite(low) && Number.isFinite(high) ? { low: Math.max(0, low), high: Math.max(0, high) } : undefined;
}

function optional<K extends "costInterval" | "energyInterval">(key: K, interval: Interval | undefined): { [P in K]?: Interval } {
  const entry: { [P in K]?: Interval } = {};
  if (interval) entry[key] = interval;
  return entry;
}

/** What the profile says it was calibrated on, in words (older profiles do not say). */
export function calibrationCorpusOf(profile: Profile): string | undefined {
  const calibration = profile.calibration;
  if (!calibration) return undefined;
  const bundled = calibration.corpus.endsWith(" (bundled)");
  return `${bundled ? "the bundled sample code" : calibration.corpus} (${calibration.prompts} prompts)`;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
