import type { VerifierProtocolSetting } from "../../verifier/verifierProtocol.js";
import type { CompletionOutput } from "../../completionContract.js";
import { configurationLabel, type Configuration } from "../../prediction/configuration.js";
import { FirstLineDriftCheck, OnlineValidation, type FirstLineSummary, type PredictedVsMeasured } from "../../prediction/onlineValidation.js";
import { predict } from "../../prediction/performanceModel.js";
import { predictionInterval, replicateProfiles } from "../../prediction/predictionInterval.js";
import { comparedProtocolOf } from "../../prediction/protocolFits.js";
import { applyRunningEstimates } from "../../prediction/runningEstimates.js";
import type { Profile } from "../../profile/profileSchema.js";
import type { ActiveConfiguration, ProfileView } from "../../lspContract.js";
import { resolveObjective } from "../../selector/objective.js";
import { decideSwitch, type SwitchDecision } from "../../selector/switchDecision.js";
import { profileViewOf } from "../profiling/profileView.js";
import { firstLineObservation } from "./firstLineMeasurement.js";
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
  /** configspec.verifier.protocol (`auto`: the selector chooses). Default auto. */
  protocol?: VerifierProtocolSetting;
}

export interface AdaptationResult {
  decision: SwitchDecision;
  /** Set the first time served completions' goodput drifts persistently from the prediction: why (logged). */
  drift?: string;
  /** Set the first time the time to the first line drifts persistently (FirstLineDriftCheck): why (profile again). */
  firstLineDrift?: string;
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
  readonly #validation = new OnlineValidation();
  readonly #firstLine = new FirstLineDriftCheck();
  #validatedKey: string | undefined;
  #validated: { configuration: Configuration; replicates: Profile[] } | undefined;
  #drift: string | undefined;

  /**
   * Records a served completion: online validation sets it beside the profile's prediction for the
   * configuration that served it, and the running estimates take it in. Returns a decision when it
   * is time to re-select, or at once when the completions drifted from the prediction.
   */
  observe(output: CompletionOutput, input: AdaptationInput): AdaptationResult | undefined {
    const drift = this.#validate(output, input);
    const firstLineDrift = this.#validateFirstLine(output, input.profile);
    const before = this.#estimator.samples;
    this.#estimator.observe(output, input.profile);
    const samples = this.#estimator.samples;
    if (drift) this.#drift = drift;
    if (!drift && !firstLineDrift && (samples === before || samples % ADAPT_EVERY !== 0)) return undefined;
    return { ...this.reselect(input), ...(drift ? { drift } : {}), ...(firstLineDrift ? { firstLineDrift } : {}) };
  }

  /** Predicted vs measured over the completions the running configuration served so far. */
  get predictedVsMeasured(): PredictedVsMeasured {
    return this.#validation.summary();
  }

  /** The running configuration's time to the first line against its prediction, over the recent window. */
  get firstLine(): FirstLineSummary {
    return this.#firstLine.summary();
  }

  /** The drift seen since the last reset, if any. */
  get drift(): string | undefined {
    return this.#drift;
  }

  #validate(output: CompletionOutput, input: AdaptationInput): string | undefined {
    const { stats, configuration: served } = output;
    if (!served.verified || stats.tokens === 0 || stats.timings.totalMs <= 0) return undefined;
    const configuration: Configuration = { drafterId: served.drafterId ?? null, k: served.k, threads: input.active.threads ?? 1, verified: true, ...withProtocol(comparedProtocolOf(input.profile, served.protocol)) };
    const key = configurationLabel(configuration);
    if (key !== this.#validatedKey) {
      this.#validatedKey = key;
      this.#validated = undefined;
      this.#firstLine.reset();
      const conditions = { maxTokens: input.maxTokens };
      try {
        const prediction = predict(input.profile, configuration, conditions);
        const replicates = replicateProfiles(input.profile);
        this.#validation.setPrediction(prediction, predictionInterval(input.profile, configuration, conditions, {}, replicates, prediction));
        this.#validated = { configuration, replicates };
      } catch {
        // A configuration the profile cannot predict (another drafter): nothing to validate against.
        return undefined;
      }
    }
    return this.#validation.observe({ goodput: (stats.tokens * 1000) / stats.timings.totalMs, tokens: stats.tokens, tokensPerRound: stats.rounds > 0 ? stats.tokens / stats.rounds : stats.tokens });
  }

  /** The served completion's time to its first line against the prediction for the configuration #validate set up. */
  #validateFirstLine(output: CompletionOutput, profile: Profile): string | undefined {
    if (!this.#validated || !output.configuration.verified) return undefined;
    try {
      const observation = firstLineObservation(profile, this.#validated.configuration, output, this.#validated.replicates);
      return observation ? this.#firstLine.observe(observation) : undefined;
    } catch {
      return undefined;
    }
  }

  reselect(input: AdaptationInput): AdaptationResult {
    const adapted = applyRunningEstimates(input.profile, this.#estimator.estimates());
    const { view, selection } = profileViewOf(adapted, { allowUnverified: input.allowUnverified, maxTokens: input.maxTokens, onBattery: input.onBattery, protocol: input.protocol });
    const objective = resolveObjective(input.active.objective, input.onBattery);
    const current: Configuration = {
      drafterId: input.active.drafterId,
      k: input.active.k,
      threads: input.active.threads ?? 1,
      verified: true,
      ...withProtocol(comparedProtocolOf(input.profile, input.active.protocol)),
    };
    return { decision: decideSwitch(current, selection.candidates, objective), view };
  }

  /** Forget what was observed (new profile, new settings). */
  reset(): void {
    this.#estimator.reset();
    this.#validatedKey = undefined;
    this.#validated = undefined;
    this.#firstLine.reset();
    this.#drift = undefined;
  }

  get estimates() {
    return this.#estimator.estimates();
  }
}


function withProtocol(protocol: Configuration["protocol"]): Pick<Configuration, "protocol"> {
  return protocol ? { protocol } : {};
}
