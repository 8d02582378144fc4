import { join } from "node:path";
import { DidChangeConfigurationNotification, TextDocuments, TextDocumentSyncKind, type CancellationToken, type Connection, type InitializeParams, type InitializeResult } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CACHE_INVALIDATING_KEYS,
  changedSettingKeys,
  DEFAULT_SETTINGS,
  ENGINE_REBUILD_KEYS,
  parseDaemonSettings,
  PROFILE_VIEW_KEYS,
  SETTINGS_SECTION,
  VERIFIER_KEYS,
  type DaemonSettings,
} from "../config/daemonSettings.js";
import { createOnBatteryReader } from "../profiler/power/onBatteryReader.js";
import { InvalidProfileError, readProfile } from "../profiler/profileStore.js";
import { endpointSpeeds } from "../verifier/timeBudget.js";
import { GetProfileRequest, PrepareDraftersRequest, ProfileRequest, SetObjectiveRequest, SetVerifierApiKeyRequest, StatsRequest, type ActiveConfiguration } from "../lspContract.js";
import { chooseActiveConfiguration, type ActiveChoice } from "./activeConfiguration.js";
import type { CompletionOutput } from "../completionContract.js";
import { CompletionCache } from "./cache/completionCache.js";
import { abortSignalOf } from "./cancellation.js";
import { describeConfiguration, EngineBuilds, withVerifierVocabulary } from "./engineBuilds.js";
import { prepareDrafters, withWorkDoneProgress } from "./longRequests.js";
import { statsResult } from "./stats/validationStats.js";
import { InlineCompletionParamsSchema } from "./completion/inlineCompletionParams.js";
import { InlineCompletionPipeline } from "./completion/inlineCompletionPipeline.js";
import { daemonLoggerOf, type DaemonLogger } from "./daemonLogger.js";
import { clientOf, DEFAULT_STORAGE_DIR, PROFILE_FILE_NAME, settingsSectionOf, type ConfigSpecDaemonOptions } from "./daemonOptions.js";
import { EngineSlot } from "./engineSlot.js";
import { bundledFamilyDir, bundledTargetPath } from "../modelFiles/bundledFamily.js";
import { invalidParams, onParsedRequest } from "./parsedRequest.js";
import { BackgroundReprofile } from "./profiling/backgroundReprofile.js";
import { resolveCalibrationCorpus } from "./profiling/calibrationCorpus.js";
import { PROFILE_OF_ANOTHER_VERIFIER } from "./profiling/profileFit.js";
import { ProfileState, type ProfileViewInputs } from "./profiling/profileState.js";
import { PowerStateWatch } from "./power/powerStateWatch.js";
import { createCompletionAccounting, priceTableFor } from "./stats/completionAccounting.js";
import { CompletionLedger } from "./stats/completionLedger.js";
import { StatusReporter } from "./statusReporter.js";
import { VerifierEndpoint } from "./verifierEndpoint.js";
import { VerifierHealth } from "./verifierHealth.js";
import { errorMessageOf } from "../util/errorMessage.js";

/**
 * The daemon: document sync, inline completions, the custom `configspec/*` requests, and the
 * state they share (settings, profile, active configuration, engine, status). Holds no
 * completion logic itself — that is the pipeline's — only wiring and lifecycle.
 */
export class ConfigSpecDaemon {
  readonly #connection: Connection;
  readonly #options: ConfigSpecDaemonOptions;
  readonly #log: DaemonLogger;
  readonly #documents = new TextDocuments(TextDocument);
  readonly #status: StatusReporter;
  readonly #cache = new CompletionCache();
  readonly #ledger = new CompletionLedger();
  readonly #engines: EngineBuilds;
  readonly #slot: EngineSlot;
  /** The drafter alone, built only while the verifier is unavailable and allowUnverified is on. */
  readonly #degradedSlot: EngineSlot;
  readonly #health: VerifierHealth;
  /** Battery or mains, for `auto`. */
  readonly #power: PowerStateWatch;
  readonly #pipeline: InlineCompletionPipeline;
  #settings: DaemonSettings = structuredClone(DEFAULT_SETTINGS);
  #apiKey: string | undefined;
  /** The measured profile, its view under the current settings, its charts, online adaptation. */
  readonly #profiles: ProfileState;
  #choice: ActiveChoice;
  #storagePath = DEFAULT_STORAGE_DIR;
  /** The workspace folders on disk: the profiler calibrates on the user's own code. */
  #workspaceFolders: string[] = [];
  #modelFamilyDir = bundledFamilyDir();
  #verifier: VerifierEndpoint;
  #settingsApplied = false;
  #canPullConfiguration = false;
  #canRegisterConfigurationChange = false;

  constructor(connection: Connection, options: ConfigSpecDaemonOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#log = daemonLoggerOf(connection.console);
    this.#status = StatusReporter.forConnection(connection);
    this.#profiles = new ProfileState({
      renderProfileCharts: options.renderProfileCharts,
      log: this.#log,
      reprofile: new BackgroundReprofile({
        run: (signal, onProgress) => this.#measureProfile(signal, ({ message }) => onProgress(message)).then(() => void this.#reselect()),
        status: (message) => this.#status.problem("reprofile", "info", message),
        log: this.#log,
      }),
      reprofileAllowed: () => this.#settings.profiling.reprofileOnDrift,
    });
    this.#verifier = this.#createVerifierEndpoint();
    this.#choice = chooseActiveConfiguration({ objective: this.#settings.objective, onBattery: null, drafters: [], profile: null });
    this.#power = new PowerStateWatch({
      read: options.readOnBattery ?? createOnBatteryReader(),
      pollMs: options.powerPollMs,
      onChange: (onBattery) => this.#powerStateChanged(onBattery),
    });
    this.#engines = new EngineBuilds({
      loadEngine: options.loadEngine,
      status: this.#status,
      log: this.#log,
      health: () => this.#health,
      state: () => ({ choice: this.#choice, settings: this.#settings, apiKey: this.#apiKey, verifier: this.#verifier, remoteModelsDir: this.#remoteModelsDir,
        speeds: endpointSpeeds(this.#profiles.measuredFor(this.#settings.verifier)?.verifier), fallbackVocabulary: bundledTargetPath() }),
    });
    this.#slot = new EngineSlot({ build: (signal) => this.#engines.build(signal) });
    this.#degradedSlot = new EngineSlot({ build: (signal) => this.#engines.buildDegraded(signal) });
    this.#health = new VerifierHealth({
      status: this.#status,
      log: this.#log,
      circuitBreaker: options.circuitBreaker,
      fallback: () => (this.#settings.allowUnverified && this.#choice.drafter ? "completions come from the drafter alone (unverified)" : "no completions"),
      onRecovered: () => {
        void this.#degradedSlot.invalidate(); // the drafter-only engine's memory is not needed any more
        // A build that failed on the dead verifier (the engine asks it at build time) would fail
        // again from the slot's back-off cache and re-open the circuit: retry it now.
        this.#slot.forgetFailedBuild();
      },
    });
    this.#pipeline = new InlineCompletionPipeline({
      documents: this.#documents,
      settings: () => this.#settings,
      cache: this.#cache,
      slot: this.#slot,
      ledger: this.#ledger,
      accounting: () =>
        createCompletionAccounting(
          priceTableFor(this.#settings.verifier.model, this.#settings.prices),
          this.#profiles.profile ? { draftingW: this.#profiles.profile.power.draftingWatts, waitingW: this.#profiles.profile.power.idleWatts } : undefined,
        ),
      log: this.#log,
      onServed: (stats, output) => {
        this.#status.update({ lastLatencyMs: stats.latencyMs });
        if (output.configuration.verified) this.#health.served();
        this.#profiles.served();
        this.#adapt(output);
      },
      onEngineError: (phase, error) => this.#engineFailed(phase, error),
      verifierCircuit: this.#health.circuit,
      degradedSlot: () => (this.#choice.drafter ? this.#degradedSlot : undefined),
    });
  }

  /** Registers every handler and starts listening. */
  listen(): void {
    const connection = this.#connection;
    connection.onInitialize((params) => this.#initialize(params));
    connection.onInitialized(() => void this.#initialized());
    connection.onDidChangeConfiguration((change) => void this.#configurationChanged(change.settings));
    connection.onShutdown(() => this.dispose());
    this.#documents.onDidClose((event) => this.#pipeline.documentClosed(event.document.uri));

    connection.languages.inlineCompletion.on(async (raw: unknown, token) => {
      const parsed = InlineCompletionParamsSchema.safeParse(raw);
      if (!parsed.success) return invalidParams(this.#log, "textDocument/inlineCompletion", parsed.error);
      const cancellation = abortSignalOf(token);
      try {
        return await this.#pipeline.complete(parsed.data, cancellation.signal);
      } finally {
        cancellation.dispose();
      }
    });
    onParsedRequest(connection, ProfileRequest, this.#log, (params, token) => this.#profileMachine(params.workDoneToken, token));
    onParsedRequest(connection, GetProfileRequest, this.#log, async () => {
      return { profile: await this.#profiles.viewWithCharts(), active: this.#choice.active };
    });
    onParsedRequest(connection, SetObjectiveRequest, this.#log, (params) => {
      this.#settings = { ...this.#settings, objective: params.objective };
      this.#log.info(`objective set to ${params.objective}`);
      return { active: this.#reselect() };
    });
    onParsedRequest(connection, StatsRequest, this.#log, () => statsResult(this.#choice.active, this.#ledger, this.#profiles.predictedVsMeasured));
    onParsedRequest(connection, SetVerifierApiKeyRequest, this.#log, (params) => {
      // The key itself is never logged.
      this.#apiKey = params.apiKey ?? undefined;
      this.#log.info(params.apiKey ? "verifier API key received" : "verifier API key cleared");
      this.#configureHealth();
      void this.#slot.invalidate();
      void this.#health.check();
      return { accepted: true };
    });
    onParsedRequest(connection, PrepareDraftersRequest, this.#log, (params, token) =>
      prepareDrafters(this.#progressContext, params, token, { remoteModelsDir: this.#remoteModelsDir, modelFamilyDir: this.#modelFamilyDir }),
    );

    this.#documents.listen(connection);
    connection.listen();
  }

  async dispose(): Promise<void> {
    await this.#profiles.dispose();
    this.#pipeline.dispose();
    this.#health.dispose();
    this.#power.dispose();
    await this.#degradedSlot.dispose();
    await this.#slot.dispose();
    await this.#verifier.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  // Lifecycle and settings

  #initialize(params: InitializeParams): InitializeResult {
    const client = clientOf(params, this.#log);
    this.#storagePath = client.storagePath;
    this.#modelFamilyDir = client.modelFamilyDir;
    this.#verifier = this.#createVerifierEndpoint();
    this.#workspaceFolders = client.workspaceFolders;
    this.#canPullConfiguration = client.canPullConfiguration;
    this.#canRegisterConfigurationChange = client.canRegisterConfigurationChange;
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, inlineCompletionProvider: {} },
      serverInfo: { name: "configspec" },
    };
  }

  async #initialized(): Promise<void> {
    try {
      if (this.#canRegisterConfigurationChange) {
        await this.#connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      }
      try {
        const profile = await readProfile(this.#profilePath);
        this.#profiles.replace(profile); // its view is derived once the settings are applied, just below
        this.#log.info(`profile loaded from ${this.#profilePath} (${profile.createdAt})`);
      } catch (error) {
        if (!(error instanceof InvalidProfileError && error.reason === "missing")) this.#log.warn(`stored profile ignored: ${errorMessageOf(error)}`);
      }
      await this.#power.start();
      await this.#configurationChanged(undefined);
      this.#log.info(`ConfigSpec daemon ready (storage ${this.#storagePath})`);
    } catch (error) {
      this.#log.error(`initialization failed: ${errorMessageOf(error)}`);
    }
  }

  /** Pulls `configspec` (or takes the pushed settings from a client that cannot be asked) and applies it. */
  async #configurationChanged(pushed: unknown): Promise<void> {
    let raw: unknown;
    try {
      raw = this.#canPullConfiguration ? await this.#connection.workspace.getConfiguration(SETTINGS_SECTION) : settingsSectionOf(pushed);
    } catch (error) {
      this.#log.warn(`could not read settings, keeping the current ones: ${errorMessageOf(error)}`);
      return;
    }
    await this.#applySettings(raw);
  }

  async #applySettings(raw: unknown): Promise<void> {
    const { settings, issues } = parseDaemonSettings(raw);
    for (const issue of issues) this.#log.warn(`setting ignored: ${issue}`);
    this.#status.problem("settings", "warning", issues.length > 0 ? `Invalid settings (defaults used): ${issues.join("; ")}` : undefined);
    const changed = new Set(changedSettingKeys(this.#settings, settings));
    const first = !this.#settingsApplied;
    this.#settingsApplied = true;
    this.#settings = settings;
    if (changed.size > 0) this.#log.info(`settings changed: ${[...changed].join(", ")}`);
    if (CACHE_INVALIDATING_KEYS.some((key) => changed.has(key))) this.#cache.clear();
    if (ENGINE_REBUILD_KEYS.some((key) => changed.has(key))) this.#invalidateEngines();
    // A re-profile of the old drafters or verifier, or one the user turned off, is of no use.
    if (ENGINE_REBUILD_KEYS.some((key) => changed.has(key)) || !settings.profiling.reprofileOnDrift) void this.#profiles.cancelReprofile();
    if (first || VERIFIER_KEYS.some((key) => changed.has(key))) {
      this.#configureHealth();
      await this.#verifier.closeEmbedded();
    }
    if (!settings.enabled) {
      if (this.#slot.loaded) this.#log.info("completions disabled: unloading the models");
      await Promise.all([this.#slot.invalidate(), this.#degradedSlot.invalidate()]);
      await this.#verifier.closeEmbedded();
    }
    this.#status.update({ enabled: settings.enabled });
    if (PROFILE_VIEW_KEYS.some((key) => changed.has(key)) || first) this.#profiles.refresh(this.#viewInputs());
    this.#reselect();
    if (settings.enabled && (first || VERIFIER_KEYS.some((key) => changed.has(key)))) void this.#health.check();
  }

  /** Online adaptation: a configuration that wins by the margin replaces the running one, and the status tells the extension. */
  #adapt(output: CompletionOutput): void {
    if (this.#profiles.observe(output, this.#choice.active, this.#viewInputs())) this.#reselect();
  }

  /** What the profile's view is derived for. */
  #viewInputs(): ProfileViewInputs {
    return { allowUnverified: this.#settings.allowUnverified, maxTokens: this.#settings.maxTokens, onBattery: this.#power.onBattery, protocol: this.#settings.verifier.protocol };
  }

  /** Plugged in or unplugged: the status says so, and `auto` re-picks (battery when unplugged, else latency). */
  #powerStateChanged(onBattery: boolean | null): void {
    this.#log.info(`power: ${onBattery === null ? "cannot tell battery from mains" : onBattery ? "on battery" : "on mains"}`);
    this.#status.update({ onBattery });
    this.#profiles.powerChanged(onBattery);
    if (this.#settingsApplied && this.#settings.objective === "auto") this.#reselect();
  }

  /** Chooses the configuration for the current objective, drafters and profile; invalidates the engine if it changed. */
  #reselect(): ActiveConfiguration {
    const previous = this.#choice;
    const adapted = this.#profiles.adapted;
    const fits = this.#profiles.profile === null || this.#profiles.measuredFor(this.#settings.verifier) !== null;
    this.#status.problem("profileFit", "info", fits ? undefined : PROFILE_OF_ANOTHER_VERIFIER);
    const { objective, drafters } = this.#settings;
    const chosen = chooseActiveConfiguration({ objective, onBattery: this.#power.onBattery, drafters, profile: fits ? this.#profiles.servingView : null });
    const choice = adapted && chosen.active.source === "profile" ? { ...chosen, active: { ...chosen.active, source: "adapted" as const } } : chosen;
    this.#choice = choice;
    const sameEngine =
      previous.drafter?.uriOrPath === choice.drafter?.uriOrPath &&
      previous.active.k === choice.active.k &&
      previous.active.threads === choice.active.threads &&
      previous.active.protocol === choice.active.protocol;
    if (!sameEngine) {
      this.#log.info(`active configuration: ${describeConfiguration(choice.active)}`);
      this.#invalidateEngines();
    }
    const noDrafter = this.#settings.drafters.length === 0 ? "No drafter configured (configspec.drafters): completions come from the verifier alone" : undefined;
    this.#status.batch(() => {
      this.#status.problem("profile", "warning", choice.note);
      this.#status.problem("drafters", "info", noDrafter);
      this.#status.update({ active: choice.active });
    });
    return choice.active;
  }

  get #profilePath(): string {
    return join(this.#storagePath, PROFILE_FILE_NAME);
  }

  // Engine and verifier

  #createVerifierEndpoint(): VerifierEndpoint {
    return new VerifierEndpoint({ startEmbeddedVerifier: this.#options.startEmbeddedVerifier, modelFamilyDir: this.#modelFamilyDir });
  }

  #invalidateEngines(): void {
    void this.#slot.invalidate();
    void this.#degradedSlot.invalidate();
  }

  get #remoteModelsDir(): string {
    return join(this.#storagePath, "models", "hf");
  }

  #engineFailed(phase: "build" | "complete", error: unknown): void {
    this.#log.error(`engine ${phase === "build" ? "could not be built" : "failed"}: ${errorMessageOf(error)}`);
    // A failure mid-completion is most often the network: find out rather than guess.
    if (phase === "complete") void this.#health.check();
  }

  /** The verifier to probe before an engine exists: the configured one, with the current key. */
  #configureHealth(): void {
    const { baseUrl, model } = this.#settings.verifier;
    this.#health.configure({ baseUrl, model, apiKey: this.#apiKey });
  }

  // Long requests with work-done progress

  async #profileMachine(workDoneToken: string | number | undefined, token: CancellationToken) {
    const resume = await this.#profiles.pauseReprofile(); // the user's own profile replaces a background one
    try {
      return await withWorkDoneProgress(this.#progressContext, { task: "profile", title: "Profiling this machine", workDoneToken, token }, async (signal, report) => {
        const view = await this.#measureProfile(signal, report);
        return { profile: view, active: this.#reselect() };
      });
    } finally {
      resume();
    }
  }

  /** Profiles the configured drafters and verifier on the calibration corpus, stores the profile and makes it the daemon's. */
  async #measureProfile(signal: AbortSignal, report: (progress: { message: string; percentage?: number }) => void) {
    const verifier = await this.#verifier.resolve(this.#settings.verifier, this.#apiKey);
    const drafters = (await this.#engines.localDrafters(this.#settings.drafters, signal, report)).map((d) => withVerifierVocabulary(d, verifier, bundledTargetPath()));
    const corpus = await resolveCalibrationCorpus(this.#settings.profiling.corpus, this.#workspaceFolders);
    this.#log.info(corpus.progress);
    report({ message: corpus.progress });
    const measured = await this.#options.profileMachine({
      drafters,
      verifier: { baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey, protocol: verifier.protocol },
      prices: this.#settings.prices,
      corpusDir: corpus.dir,
      signal,
      onProgress: report,
    });
    signal.throwIfAborted();
    const view = await this.#profiles.store(measured, this.#profilePath, this.#viewInputs());
    this.#log.info(`profiled ${view.configurations.length} configurations; saved to ${this.#profilePath}`);
    return view;
  }

  get #progressContext() {
    return { connection: this.#connection, status: this.#status, log: this.#log };
  }
}
