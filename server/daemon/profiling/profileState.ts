import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeProfile } from "../../profiler/profileStore.js";
import type { ProfileInput } from "../../profile/profileSchema.js";
import type { VerifierProtocolSetting } from "../../verifier/verifierProtocol.js";
import type { CompletionOutput } from "../../completionContract.js";
import type { Profile } from "../../profile/profileSchema.js";
import type { VerifierSettings } from "../../config/daemonSettings.js";
import type { ActiveConfiguration, ProfileView } from "../../lspContract.js";
import { profileFitsVerifier } from "./profileFit.js";
import { errorMessageOf } from "../../util/errorMessage.js";
import { OnlineAdaptation } from "../adaptation/onlineAdaptation.js";
import type { PredictedVsMeasured } from "../../prediction/onlineValidation.js";
import type { DaemonLogger } from "../daemonLogger.js";
import type { RenderProfileCharts } from "./profileCharts.js";
import type { BackgroundReprofile } from "./backgroundReprofile.js";
import { profileViewOf, withPowerState } from "./profileView.js";

/** What a view of the profile is derived for: the settings it depends on and the live power state. */
export interface ProfileViewInputs {
  allowUnverified: boolean;
  maxTokens: number;
  onBattery: boolean | null;
  /** configspec.verifier.protocol (`auto`: the selector chooses). */
  protocol: VerifierProtocolSetting;
}

export interface ProfileStateOptions {
  renderProfileCharts: RenderProfileCharts;
  log: DaemonLogger;
  /** Re-profiles in the background when served completions' time to the first line drifts persistently (FirstLineDriftCheck). Default: none, the drift is only logged. */
  reprofile?: BackgroundReprofile;
  /** configspec.profiling.reprofileOnDrift. Default: always. */
  reprofileAllowed?: () => boolean;
}

/**
 * The daemon's profile and everything derived from it: the measured profile, the panel's view
 * of it under the current settings (with its charts, rendered after the view is in use), and
 * online adaptation — the running estimates and, once they decided to switch, the re-predicted
 * view that serving follows instead.
 */
export class ProfileState {
  readonly #options: ProfileStateOptions;
  #profile: Profile | null = null;
  #view: ProfileView | null = null;
  /** Settles when the current view has its charts. */
  #chartsRendered: Promise<void> = Promise.resolve();
  readonly #adaptation = new OnlineAdaptation();
  /** The profile re-predicted from real traffic, once online adaptation decided to switch; null until then. */
  #adaptedView: ProfileView | null = null;

  constructor(options: ProfileStateOptions) {
    this.#options = options;
  }

  get profile(): Profile | null {
    return this.#profile;
  }

  /** The profile when it was measured against `verifier` (a profile of another endpoint says nothing about this one), else null. */
  measuredFor(verifier: Pick<VerifierSettings, "baseUrl" | "model">): Profile | null {
    const profile = this.profile;
    return profile && profileFitsVerifier(profile, verifier) ? profile : null;
  }

  /** What the panel shows (null without a usable profile). */
  get view(): ProfileView | null {
    return this.#view;
  }

  /** What serving picks from: the adapted view once adaptation switched, else the panel's. */
  get servingView(): ProfileView | null {
    return this.#adaptedView ?? this.#view;
  }

  /** Online validation: the running configuration's served completions beside its prediction (configspec/stats). */
  get predictedVsMeasured(): PredictedVsMeasured {
    return this.#adaptation.predictedVsMeasured;
  }

  /** True once online adaptation replaced the profile's pick. */
  get adapted(): boolean {
    return this.#adaptedView !== null;
  }

  /** The panel's view once its charts are drawn. */
  async viewWithCharts(): Promise<ProfileView | null> {
    await this.#chartsRendered;
    return this.#view;
  }

  /** A new (or no) profile: derive its view for `inputs`, or at the next {@link refresh} when none are given yet. */
  replace(profile: Profile | null, inputs?: ProfileViewInputs): void {
    this.#profile = profile;
    if (inputs) this.refresh(inputs);
  }

  /** Stores a newly measured profile at `path` and makes it the current one; its view with charts, or an error when it yields no configuration space. */
  async store(measured: ProfileInput, path: string, inputs: ProfileViewInputs): Promise<ProfileView> {
    await mkdir(dirname(path), { recursive: true });
    this.replace(await writeProfile(path, measured), inputs);
    const view = await this.viewWithCharts();
    if (!view) throw new Error("the new profile yields no configuration space (see the log)");
    return view;
  }

  /** Re-derives the panel's view (predictions, picks, front) for new settings; what was learnt online applied to the old ones, so it is dropped. */
  refresh(inputs: ProfileViewInputs): void {
    this.#adaptation.reset();
    this.#adaptedView = null;
    if (!this.#profile) {
      this.#view = null;
      return;
    }
    try {
      const { view, selection } = profileViewOf(this.#profile, inputs);
      this.#view = view;
      this.#chartsRendered = this.#options.renderProfileCharts(selection).then(
        (charts) => {
          // Only if no newer view replaced this one meanwhile.
          if (this.#view === view) this.#view = { ...view, charts };
        },
        (error: unknown) => this.#options.log.warn(`charts not drawn: ${errorMessageOf(error)}`),
      );
    } catch (error) {
      this.#view = null;
      this.#options.log.warn(`the profile cannot be used (${errorMessageOf(error)}): re-profile`);
    }
  }

  /** A completion was served: a background re-profile waits for the next quiet moment. */
  served(): void {
    this.#options.reprofile?.served();
  }

  /** Stops a background re-profile in progress (the user's own profile, new drafters or verifier, the setting turned off). */
  cancelReprofile(): Promise<void> {
    return this.#options.reprofile?.cancel() ?? Promise.resolve();
  }

  /** The user's own profile is being measured: no background one until the returned function is called. */
  pauseReprofile(): Promise<() => void> {
    return this.#options.reprofile?.pause() ?? Promise.resolve(() => {});
  }

  async dispose(): Promise<void> {
    await this.cancelReprofile();
  }

  /** The `auto` picks follow a new power state (the other picks do not depend on it). */
  powerChanged(onBattery: boolean | null): void {
    if (this.#view) this.#view = withPowerState(this.#view, onBattery);
    if (this.#adaptedView) this.#adaptedView = withPowerState(this.#adaptedView, onBattery);
  }

  /**
   * Online adaptation: running estimates of acceptance and round trip from this completion and
   * the ones before re-predict the space now and then. True when a configuration won by the
   * margin, so serving should re-pick from {@link servingView}.
   */
  observe(output: CompletionOutput, active: ActiveConfiguration, inputs: ProfileViewInputs): boolean {
    if (!this.#profile || active.source === "default") return false;
    const result = this.#adaptation.observe(output, { profile: this.#profile, active, ...inputs });
    if (!result) return false;
    if (result.drift) this.#options.log.warn(`online validation: ${result.drift}; the profile no longer describes this machine or network`);
    if (result.firstLineDrift) {
      this.#options.log.warn(`online validation: ${result.firstLineDrift}`);
      if (this.#options.reprofileAllowed?.() === false) this.#options.log.info("configspec.profiling.reprofileOnDrift is off: not re-profiling");
      else this.#options.reprofile?.request(result.firstLineDrift);
    }
    if (!result.decision.switch) {
      this.#options.log.debug(`online adaptation: ${result.decision.reason}`);
      return false;
    }
    this.#options.log.info(`online adaptation: ${result.decision.reason}`);
    this.#adaptedView = result.view;
    return true;
  }
}
