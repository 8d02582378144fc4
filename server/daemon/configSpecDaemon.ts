import { fileURLToPath } from "node:url";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  DidChangeConfigurationNotification,
  ErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressReporter,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { z } from "zod";
import {
  CACHE_INVALIDATING_KEYS,
  changedSettingKeys,
  DEFAULT_SETTINGS,
  ENGINE_REBUILD_KEYS,
  parseDaemonSettings,
  SETTINGS_SECTION,
  type DaemonSettings,
  type SettingKey,
} from "../config/daemonSettings.js";
import type { CompletionSource } from "../completionContract.js";
import { isRemoteModelUri, resolveModelPath } from "../modelFiles/modelLoader.js";
import { createOnBatteryReader, type ReadOnBattery } from "../profiler/power/onBatteryReader.js";
import { InvalidProfileError, readProfile, writeProfile } from "../profiler/profileStore.js";
import {
  GetProfileRequest,
  InitializationOptionsSchema,
  PrepareDraftersRequest,
  ProfileRequest,
  SetObjectiveRequest,
  SetVerifierApiKeyRequest,
  StatsRequest,
  type ActiveConfiguration,
} from "../lspContract.js";
import { chooseActiveConfiguration, type ActiveChoice } from "./activeConfiguration.js";
import type { CompletionOutput } from "../completionContract.js";
import { CompletionCache } from "./cache/completionCache.js";
import { abortSignalOf } from "./cancellation.js";
import { isAbortError } from "../util/abort.js";
import { InlineCompletionParamsSchema } from "./completion/inlineCompletionParams.js";
import { InlineCompletionPipeline } from "./completion/inlineCompletionPipeline.js";
import { daemonLoggerOf, type DaemonLogger } from "./daemonLogger.js";
import type { CreateEngine, EngineDrafter, EngineVerifier, StartEmbeddedVerifier } from "./engineFactory.js";
import { VerifierProtocolSchema } from "../verifier/verifierProtocol.js";
import { EngineSlot } from "./engineSlot.js";
import { downloadDrafters, ensureGeneratedFamily, type PreparationProgress } from "../modelFiles/drafterPreparation.js";
import { bundledFamilyDir } from "../modelFiles/bundledFamily.js";
import { onParsedRequest } from "./parsedRequest.js";
import type { ProfileMachine } from "./profiling/profileMachine.js";
import type { RenderProfileCharts } from "./profiling/profileCharts.js";
import type { PredictedVsMeasured } from "../prediction/onlineValidation.js";
import { ProfileState, type ProfileViewInputs } from "./profiling/profileState.js";
import { DEFAULT_POWER_POLL_MS, PowerStateWatch } from "./power/powerStateWatch.js";
import { createCompletionAccounting, priceTableFor } from "./stats/completionAccounting.js";
import { CompletionLedger } from "./stats/completionLedger.js";
import { StatusReporter } from "./statusReporter.js";
import { VerifierEndpoint } from "./verifierEndpoint.js";
import { VerifierHealth, type VerifierHealthOptions } from "./verifierHealth.js";
import { errorMessageOf } from "../util/errorMessage.js";

/** Default storage when the client passes none: `~/.configspec`. */
export const DEFAULT_STORAGE_DIR = join(homedir(), ".configspec");
/** The profile's file in the storage folder. */
export const PROFILE_FILE_NAME = "profile.json";

export interface ConfigSpecDaemonOptions {
  createEngine: CreateEngine;
  startEmbeddedVerifier: StartEmbeddedVerifier;
  profileMachine: ProfileMachine;
  renderProfileCharts: RenderProfileCharts;
  /** Thresholds of the verifier's circuit breaker (tests shorten the cool-down). Default: the breaker's defaults. */
  circuitBreaker?: VerifierHealthOptions["circuitBreaker"];
  /** The live power state `auto` follows. Default: the platform's power sources (server/profiler/power/onBatteryReader.ts). */
  readOnBattery?: ReadOnBattery;
  /** How often it is read, ms. Default {@link DEFAULT_POWER_POLL_MS}. */
  powerPollMs?: number;
}

const VERIFIER_KEYS: readonly SettingKey[] = ["verifier.baseUrl", "verifier.model", "verifier.protocol"];
/** Keys the predictions in the profile view depend on. */
const PROFILE_VIEW_KEYS: readonly SettingKey[] = ["allowUnverified", "maxTokens", "verifier.protocol"];

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
  /** The first workspace folder on disk: the profiler calibrates on the user's own code. */
  #workspaceFolder: string | undefined;
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
    this.#profiles = new ProfileState({ renderProfileCharts: options.renderProfileCharts, log: this.#log });
    this.#verifier = this.#createVerifierEndpoint();
    this.#choice = chooseActiveConfiguration({ objective: this.#settings.objective, onBattery: null, drafters: [], profile: null });
    this.#power = new PowerStateWatch({
      read: options.readOnBattery ?? createOnBatteryReader(),
      pollMs: options.powerPollMs,
      onChange: (onBattery) => this.#powerStateChanged(onBattery),
    });
    this.#slot = new EngineSlot({ build: (signal) => this.#buildEngine(signal) });
    this.#degradedSlot = new EngineSlot({ build: (signal) => this.#buildDegradedEngine(signal) });
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
      if (!parsed.success) return this.#invalidParams("textDocument/inlineCompletion", parsed.error);
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
    onParsedRequest(connection, StatsRequest, this.#log, () => ({
      active: this.#choice.active,
      last: this.#ledger.last,
      totals: { ...this.#ledger.totals },
      counters: { ...this.#ledger.counters },
      predictedVsMeasured: statsOfValidation(this.#profiles.predictedVsMeasured),
    }));
    onParsedRequest(connection, SetVerifierApiKeyRequest, this.#log, (params) => {
      // The key itself is never logged.
      this.#apiKey = params.apiKey ?? undefined;
      this.#log.info(params.apiKey ? "verifier API key received" : "verifier API key cleared");
      this.#configureHealth();
      void this.#slot.invalidate();
      void this.#health.check();
      return { accepted: true };
    });
    onParsedRequest(connection, PrepareDraftersRequest, this.#log, (params, token) => this.#prepareDrafters(params, token));

    this.#documents.listen(connection);
    connection.listen();
  }

  async dispose(): Promise<void> {
    this.#health.dispose();
    this.#power.dispose();
    await this.#degradedSlot.dispose();
    await this.#slot.dispose();
    await this.#verifier.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle and settings

  #initialize(params: InitializeParams): InitializeResult {
    const options = InitializationOptionsSchema.safeParse(params.initializationOptions ?? {});
    if (!options.success) this.#log.warn(`initializationOptions ignored: ${z.prettifyError(options.error)}`);
    const init = options.success ? options.data : {};
    this.#storagePath = init.storagePath ?? DEFAULT_STORAGE_DIR;
    this.#modelFamilyDir = init.modelFamilyDir ?? bundledFamilyDir();
    this.#verifier = this.#createVerifierEndpoint();
    this.#workspaceFolder = firstLocalFolder(params);
    this.#canPullConfiguration = params.capabilities.workspace?.configuration === true;
    this.#canRegisterConfigurationChange = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
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
    let raw: unknown = undefined;
    try {
      if (this.#canPullConfiguration) raw = await this.#connection.workspace.getConfiguration(SETTINGS_SECTION);
      else if (typeof pushed === "object" && pushed !== null) raw = Object.getOwnPropertyDescriptor(pushed, SETTINGS_SECTION)?.value;
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
    const chosen = chooseActiveConfiguration({
      objective: this.#settings.objective,
      onBattery: this.#power.onBattery,
      drafters: this.#settings.drafters,
      profile: this.#profiles.servingView,
    });
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

  // -------------------------------------------------------------------------------------------
  // Engine and verifier

  #createVerifierEndpoint(): VerifierEndpoint {
    return new VerifierEndpoint({ startEmbeddedVerifier: this.#options.startEmbeddedVerifier, modelFamilyDir: this.#modelFamilyDir });
  }

  async #buildEngine(signal: AbortSignal): Promise<CompletionSource> {
    const { drafter: chosen, active } = this.#choice;
    const settings = this.#settings;
    const done = this.#status.busy("engine", `Loading ${describeConfiguration(active)}…`);
    try {
      const drafter = chosen ? await this.#localDrafter(chosen, signal) : undefined;
      const verifier = await this.#verifier.resolve(settings.verifier, this.#apiKey);
      // Known before the engine exists: a build that fails on the verifier still tells the breaker what to probe.
      this.#health.useEngineTarget({ baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey });
      signal.throwIfAborted();
      const engine = await this.#options.createEngine({
        drafter,
        k: active.k,
        ...(active.threads === undefined ? {} : { threads: active.threads }),
        verifier: { baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey, protocol: verifier.protocol, ...this.#profiledProtocols(active) },
      });
      if (signal.aborted) {
        // Invalidated while building: this engine is already stale.
        await engine.dispose();
        signal.throwIfAborted();
      }
      this.#status.clear("engine");
      this.#status.update({ verifierProtocol: engine.verifierProtocol ?? null });
      this.#log.info(`engine ready: ${describeConfiguration(active)}, verifier ${verifier.embedded ? "embedded at " : ""}${verifier.baseUrl}`);
      void this.#health.check();
      return engine;
    } catch (error) {
      if (!isAbortError(error)) this.#status.problem("engine", "error", `Engine unavailable: ${errorMessageOf(error)}`);
      throw error;
    } finally {
      done();
    }
  }

  /**
   * What the profile knows about the protocols, for `auto`: the one the selector chose for the
   * active configuration, and each one's measured verify ms (the fastest wins without a choice).
   */
  #profiledProtocols(active: ActiveConfiguration): Pick<EngineVerifier, "preferredProtocol" | "measuredVerifyMs"> {
    const preferred = VerifierProtocolSchema.safeParse(active.protocol);
    const timings = this.#profiles.profile?.verifier.protocols ?? [];
    return {
      ...(preferred.success && { preferredProtocol: preferred.data }),
      ...(timings.length > 0 && { measuredVerifyMs: Object.fromEntries(timings.map((t) => [t.protocol, t.verifyMsPerRound])) }),
    };
  }

  /** The drafter alone (no verifier): the degraded mode's engine, same drafter and K as the active configuration. */
  async #buildDegradedEngine(signal: AbortSignal): Promise<CompletionSource> {
    const { drafter: chosen, active } = this.#choice;
    if (!chosen) throw new Error("no drafter is configured, so there is no drafter-only fallback");
    const drafter = await this.#localDrafter(chosen, signal);
    signal.throwIfAborted();
    const engine = await this.#options.createEngine({ drafter, k: active.k, ...(active.threads === undefined ? {} : { threads: active.threads }) });
    if (signal.aborted) {
      await engine.dispose();
      signal.throwIfAborted();
    }
    this.#log.info(`drafter-only engine ready (${drafter.id}): completions are unverified until the verifier is back`);
    return engine;
  }

  #invalidateEngines(): void {
    void this.#slot.invalidate();
    void this.#degradedSlot.invalidate();
  }

  /** A drafter with a local path: remote URIs are resolved (downloaded if needed) into the storage's model folder. */
  async #localDrafter(drafter: EngineDrafter, signal: AbortSignal): Promise<EngineDrafter> {
    if (!isRemoteModelUri(drafter.uriOrPath)) return drafter;
    const done = this.#status.busy("download", `Resolving ${drafter.uriOrPath}…`);
    try {
      const path = await resolveModelPath(drafter.uriOrPath, { directory: this.#remoteModelsDir, signal });
      signal.throwIfAborted(); // node-llama-cpp resolves, rather than rejects, when aborted mid-download
      return { id: drafter.id, uriOrPath: path };
    } finally {
      done();
    }
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

  // -------------------------------------------------------------------------------------------
  // Long requests with work-done progress

  async #profileMachine(workDoneToken: string | number | undefined, token: CancellationToken) {
    return this.#withProgress("profile", "Profiling this machine", workDoneToken, token, async (signal, report) => {
      const drafters: EngineDrafter[] = [];
      for (const uriOrPath of this.#settings.drafters) {
        report({ message: `resolving ${uriOrPath}` });
        const { drafter } = chooseActiveConfiguration({ objective: this.#settings.objective, onBattery: null, drafters: [uriOrPath], profile: null });
        if (drafter) drafters.push(await this.#localDrafter(drafter, signal));
      }
      const verifier = await this.#verifier.resolve(this.#settings.verifier, this.#apiKey);
      const measured = await this.#options.profileMachine({
        drafters,
        verifier: { baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey, protocol: verifier.protocol },
        prices: this.#settings.prices,
        workspaceFolder: this.#workspaceFolder,
        signal,
        onProgress: report,
      });
      await mkdir(this.#storagePath, { recursive: true });
      this.#profiles.replace(await writeProfile(this.#profilePath, measured), this.#viewInputs());
      const view = await this.#profiles.viewWithCharts();
      if (!view) throw new Error("the new profile yields no configuration space (see the log)");
      this.#log.info(`profiled ${view.configurations.length} configurations; saved to ${this.#profilePath}`);
      return { profile: view, active: this.#reselect() };
    });
  }

  async #prepareDrafters(params: z.infer<typeof PrepareDraftersRequest.params>, token: CancellationToken) {
    const { source } = params;
    const title = source.kind === "download" ? "Downloading drafters" : "Preparing the bundled code models";
    return this.#withProgress("download", title, params.workDoneToken, token, async (signal, report) => {
      const drafters =
        source.kind === "download"
          ? await downloadDrafters(source.uris, { directory: this.#remoteModelsDir, signal, onProgress: report })
          : await ensureGeneratedFamily(this.#modelFamilyDir, report);
      this.#log.info(`${title}: done (${drafters.length} drafters)`);
      return { drafters };
    });
  }

  /** Runs a long task with `$/progress` on the client's token, busy status, and cancellation as an AbortSignal. */
  async #withProgress<T>(
    task: string,
    title: string,
    workDoneToken: string | number | undefined,
    token: CancellationToken,
    run: (signal: AbortSignal, report: (progress: PreparationProgress) => void) => Promise<T>,
  ): Promise<T> {
    const progress: WorkDoneProgressReporter = this.#connection.window.attachWorkDoneProgress(workDoneToken);
    const cancellation = abortSignalOf(token);
    const done = this.#status.busy(task, `${title}…`);
    progress.begin(title, 0, undefined, true);
    try {
      return await run(cancellation.signal, ({ message, percentage }) => {
        if (percentage === undefined) progress.report(message);
        else progress.report(Math.max(0, Math.min(100, Math.round(percentage))), message);
      });
    } catch (error) {
      if (cancellation.signal.aborted) this.#log.info(`${title}: cancelled`);
      throw error;
    } finally {
      progress.done();
      done();
      cancellation.dispose();
    }
  }

  #invalidParams(method: string, error: z.ZodError) {
    this.#log.warn(`${method}: invalid params: ${z.prettifyError(error)}`);
    return new ResponseError(ErrorCodes.InvalidParams, `${method}: invalid params: ${z.prettifyError(error)}`);
  }
}

function describeConfiguration(active: ActiveConfiguration): string {
  const drafter = active.drafterId === null ? "verifier-only" : `${active.drafterId} K=${active.k}${active.protocol ? ` via ${active.protocol}` : ""}`;
  return `${drafter} (${active.objective}, ${active.source})`;
}


/** The first `file:` workspace folder (or the legacy rootUri) as a local path. */
function firstLocalFolder(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  if (!uri?.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** configspec/stats' view of online validation (JSON-safe: NaN becomes null); null before any completion. */
function statsOfValidation(summary: PredictedVsMeasured) {
  if (summary.completions === 0) return null;
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    completions: summary.completions,
    predictedGoodput: finite(summary.predictedGoodput),
    measuredGoodput: finite(summary.measuredGoodput),
    goodputError: finite(summary.goodputError),
    coverage: finite(summary.coverage),
    drift: summary.drift ?? null,
  };
}
