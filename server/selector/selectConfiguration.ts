import { resolveConditions, type Conditions, type ConditionsInput } from "../prediction/conditions.js";
import type { Profile } from "../profile/profileSchema.js";
import { enumerateConfigurations, type ConfigurationSpaceOptions } from "./configurationSpace.js";
import { OBJECTIVES, resolveObjective, selectionMetric, type Objective, type ObjectiveChoice } from "./objective.js";
import { paretoFront } from "./paretoFront.js";
import { explainPick } from "./pickExplanation.js";
import { bestFor, scoreConfigurations, type ScoredConfiguration } from "./scoredConfiguration.js";
import { speculationWindow, type SpeculationWindow } from "./speculationWindow.js";

export interface SelectionOptions extends ConfigurationSpaceOptions {
  /** Prompt length, completion length, RTT override; defaults in prediction/conditions.ts. */
  conditions?: ConditionsInput;
  /** Power state for `auto`; default: the profile's `machine.onBattery`. */
  onBattery?: boolean | null;
}

export interface Pick {
  objective: Objective;
  choice: ScoredConfiguration;
  /** The maximised {@link selectionMetric}: first lines per second (latency), tok/$ or tok/J. */
  value: number;
  explanation: string;
}

export interface Selection {
  conditions: Conditions;
  onBattery: boolean | null;
  /** Every configuration, baselines included. */
  candidates: ScoredConfiguration[];
  verifierOnly: ScoredConfiguration;
  /** Empty unless unverified output is allowed. */
  drafterOnly: ScoredConfiguration[];
  picks: Record<Objective, Pick>;
  /** Non-dominated over (goodput, tokens per USD, tokens per joule). */
  paretoFront: ScoredConfiguration[];
  /** The RTTs at which each drafter's first line beats verifier-only streaming. */
  window: SpeculationWindow;
}

/** Predicts the whole configuration space and picks the best configuration for each objective. */
export function selectConfigurations(profile: Profile, options: SelectionOptions = {}): Selection {
  const conditions = resolveConditions(options.conditions);
  const candidates = scoreConfigurations(profile, enumerateConfigurations(profile, options), conditions);
  const verifierOnly = candidates.find((c) => c.prediction.kind === "verifier-only");
  if (!verifierOnly) throw new Error("the configuration space lost its verifier-only baseline");
  const { rttMs: _rtt, ...firstLine } = verifierOnly.firstLine.conditions;
  const window = speculationWindow(profile, candidates.map((c) => c.configuration), firstLine);
  const pickOf = (objective: Objective): Pick => {
    const choice = bestFor(candidates, objective) ?? verifierOnly;
    return { objective, choice, value: selectionMetric(objective, choice), explanation: explainPick(profile, objective, choice, candidates, window) };
  };
  const picks = Object.fromEntries(OBJECTIVES.map((objective) => [objective, pickOf(objective)]));
  return {
    conditions,
    onBattery: options.onBattery === undefined ? profile.machine.onBattery : options.onBattery,
    candidates,
    verifierOnly,
    drafterOnly: candidates.filter((c) => c.prediction.kind === "drafter-only"),
    picks: { latency: picks.latency, cost: picks.cost, battery: picks.battery },
    paretoFront: paretoFront(candidates, ({ prediction: p }) => [p.goodput, p.tokensPerUsd, p.tokensPerJoule]),
    window,
  };
}

/** The pick for a user's objective; `auto` follows the power state. */
export function pickFor(selection: Selection, choice: ObjectiveChoice, onBattery: boolean | null = selection.onBattery): Pick {
  return selection.picks[resolveObjective(choice, onBattery)];
}
