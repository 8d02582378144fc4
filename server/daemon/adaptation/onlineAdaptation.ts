import type { CompletionOutput } from "../../completion/completionSource.js";
import type { Configuration } from "../../model/configuration.js";
import { applyRunningEstimates } from "../../model/runningEstimates.js";
import type { Profile } from "../../profile/profileSchema.js";
import type { ActiveConfiguration, ProfileView } from "../../protocol.js";
import { resolveObjective } from "../../selector/objective.js";
import { decideSwitch, type SwitchDecision } from "../../selector/switchDecision.js";
import { profileViewOf } from "../profiling/profileView.js";
import { RunningEstimator } from "./runningEstimator.js";

/** Completions between two re-selections: each costs a full re-prediction of the space. */
export const ADAPT_EVERY = 4;

export interface AdaptationInput {
  profile: Profile;
  active: ActiveConfiguration;
  allowUnverified: boolean;
  maxTokens: number;
  /** The live power state, for `auto`. */
  onBattery: boolean | null;
}

export interface AdaptationResult {
  decision: SwitchDecision;
  /** The profile view re-predicted with the running estimates; its picks are what to run when switching. */
  view: ProfileView;
}

/**
 * Online adaptation: running estimates from served completions re-predict the configuration
 * space every {@link ADAPT_EVERY} completions, and a switch is proposed only when another
 * configuration wins by the hysteresis margin (decideSwitch).
 */
export class OnlineAdaptation {
  readonly #estimator = new RunningEstimator();

  /** Records a served completion; returns a decision when it is time to re-select. */
  observe(output: CompletionOutput, input: AdaptationInput): AdaptationResult | undefined {
    const before = this.#estimator.samples;
    this.#estimator.observe(output, input.profile);
    const samples = this.#estimator.samples;
    if (samples === before || samples % ADAPT_EVERY !== 0) return undefined;
    return this.reselect(input);
  }

  reselect(input: AdaptationInput): AdaptationResult {
    const adapted = applyRunningEstimates(input.profile, this.#estimator.estimates());
    const { view, selection } = profileViewOf(adapted, { allowUnverified: input.allowUnverified, maxTokens: input.maxTokens, onBattery: input.onBattery });
    const objective = resolveObjective(input.active.objective, input.onBattery);
    const current: Configuration = {
      drafterId: input.active.drafterId,
      k: input.active.k,
      threads: input.active.threads ?? 1,
      verified: true,
    };
    return { decision: decideSwitch(current, selection.candidates, objective), view };
  }

  /** Forget what was observed (new profile, new settings). */
  reset(): void {
    this.#estimator.reset();
  }

  get estimates() {
    return this.#estimator.estimates();
  }
}
