import type { CompletionSource } from "../completionContract.js";
import type { DaemonSettings } from "../config/daemonSettings.js";
import type { ActiveConfiguration } from "../lspContract.js";
import { isRemoteModelUri, resolveModelPath } from "../modelFiles/modelLoader.js";
import { isAbortError } from "../util/abort.js";
import { errorMessageOf } from "../util/errorMessage.js";
import { timeBudgetNote, type EndpointSpeeds } from "../verifier/timeBudget.js";
import { VerifierProtocolSchema } from "../verifier/verifierProtocol.js";
import { drafterIdOf, ngramDrafterUri, ngramSpec } from "../drafter/drafterSpec.js";
import type { ActiveChoice } from "./activeConfiguration.js";
import type { DaemonLogger } from "./daemonLogger.js";
import type { EngineDrafter, LoadEngine } from "./engineFactory.js";
import type { StatusReporter } from "./statusReporter.js";
import type { ResolvedVerifier, VerifierEndpoint } from "./verifierEndpoint.js";
import type { VerifierHealth } from "./verifierHealth.js";

/** What a build reads at the moment it starts: the daemon's current state. */
export interface EngineBuildState {
  choice: ActiveChoice;
  settings: DaemonSettings;
  apiKey: string | undefined;
  verifier: VerifierEndpoint;
  /** Where `hf:` drafters are downloaded to. */
  remoteModelsDir: string;
  /** The verifier's speeds as the profile measured them (UNPROFILED_SPEEDS before one): deadlines and the prompt window. */
  speeds: EndpointSpeeds;
  /** A GGUF whose vocabulary the n-gram drafter borrows when the verifier lends none (the bundled family's target). */
  fallbackVocabulary: string;
}

export interface EngineBuildsOptions {
  loadEngine: LoadEngine;
  status: StatusReporter;
  log: DaemonLogger;
  health: () => VerifierHealth;
  state: () => EngineBuildState;
}

/** Builds the daemon's engines for its engine slots: the active configuration's, and the drafter alone while the verifier is down. */
export class EngineBuilds {
  readonly #options: EngineBuildsOptions;

  constructor(options: EngineBuildsOptions) {
    this.#options = options;
  }

  async build(signal: AbortSignal): Promise<CompletionSource> {
    const { status, log } = this.#options;
    const { choice, settings, apiKey, verifier: endpoint, speeds } = this.#options.state();
    const { drafter: chosen, active } = choice;
    const done = status.busy("engine", `Loading ${describeConfiguration(active)}…`);
    try {
      const verifier = await endpoint.resolve(settings.verifier, apiKey);
      const drafter = chosen ? withVerifierVocabulary(await this.localDrafter(chosen, signal), verifier, this.#options.state().fallbackVocabulary) : undefined;
      // Known before the engine exists: a build that fails on the verifier still tells the breaker what to probe.
      this.#options.health().useEngineTarget({ baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey });
      signal.throwIfAborted();
      const preferred = VerifierProtocolSchema.safeParse(active.protocol);
      const engine = await this.#options.loadEngine({
        drafter,
        k: active.k,
        ...(active.threads === undefined ? {} : { threads: active.threads }),
        speeds,
        maxTokens: settings.maxTokens,
        verifier: { baseUrl: verifier.baseUrl, model: verifier.model, apiKey: verifier.apiKey, protocol: verifier.protocol, ...(preferred.success && { preferredProtocol: preferred.data }) },
      });
      await disposeIfAborted(engine, signal);
      status.clear("engine");
      status.update({ verifierProtocol: engine.verifierProtocol ?? null, verifierEngine: engine.verifierEngine ?? null });
      // How the prompt departs from the drafter's FIM layout (prefix-only, the verifier's dialect): a note, not a problem.
      status.problem("prompt", "info", engine.promptNote);
      status.problem("timeBudget", "info", timeBudgetNote(speeds));
      log.info(`engine ready: ${describeConfiguration(active)}, verifier ${verifier.embedded ? "embedded at " : ""}${verifier.baseUrl}`);
      void this.#options.health().check();
      return engine;
    } catch (error) {
      if (!isAbortError(error)) status.problem("engine", "error", `Engine unavailable: ${errorMessageOf(error)}`);
      throw error;
    } finally {
      done();
    }
  }

  /** The drafter alone (no verifier): the degraded mode's engine, same drafter and K as the active configuration. */
  async buildDegraded(signal: AbortSignal): Promise<CompletionSource> {
    const { drafter: chosen, active } = this.#options.state().choice;
    if (!chosen) throw new Error("no drafter is configured, so there is no drafter-only fallback");
    const drafter = await this.localDrafter(chosen, signal);
    signal.throwIfAborted();
    const engine = await this.#options.loadEngine({ drafter, k: active.k, ...(active.threads === undefined ? {} : { threads: active.threads }) });
    await disposeIfAborted(engine, signal);
    this.#options.log.info(`drafter-only engine ready (${drafter.id}): completions are unverified until the verifier is back`);
    return engine;
  }

  /** Every configured drafter, each with a local path (the profiler reads files). */
  async localDrafters(uris: readonly string[], signal: AbortSignal, report: (progress: { message: string }) => void): Promise<EngineDrafter[]> {
    const drafters: EngineDrafter[] = [];
    for (const uriOrPath of uris) {
      report({ message: `resolving ${uriOrPath}` });
      drafters.push(await this.localDrafter({ id: drafterIdOf(uriOrPath), uriOrPath }, signal));
    }
    return drafters;
  }

  /** A drafter with a local path: remote URIs are resolved (downloaded if needed) into the storage's model folder. */
  async localDrafter(drafter: EngineDrafter, signal: AbortSignal): Promise<EngineDrafter> {
    if (!isRemoteModelUri(drafter.uriOrPath)) return drafter;
    const done = this.#options.status.busy("download", `Resolving ${drafter.uriOrPath}…`);
    try {
      const path = await resolveModelPath(drafter.uriOrPath, { directory: this.#options.state().remoteModelsDir, signal });
      signal.throwIfAborted(); // node-llama-cpp resolves, rather than rejects, when aborted mid-download
      return { id: drafter.id, uriOrPath: path };
    } finally {
      done();
    }
  }
}

/**
 * The n-gram drafter named bare (`ngram`) drafts in the verifier's vocabulary where one is at
 * hand (the embedded verifier's model file); for a remote endpoint, in the bundled target's, so
 * its drafts travel as text (echo-logprobs text mode, predicted outputs) unless the vocabularies
 * match. `ngram:PATH` to a GGUF of the endpoint's family drafts in its ids.
 */
export function withVerifierVocabulary(drafter: EngineDrafter, verifier: ResolvedVerifier, fallbackVocabulary: string): EngineDrafter {
  const spec = ngramSpec(drafter.uriOrPath);
  if (!spec || spec.tokenizer !== undefined) return drafter;
  return { ...drafter, uriOrPath: ngramDrafterUri(verifier.modelPath ?? fallbackVocabulary) };
}

/** Invalidated while building: the engine is already stale. */
async function disposeIfAborted(engine: CompletionSource, signal: AbortSignal): Promise<void> {
  if (!signal.aborted) return;
  await engine.dispose();
  signal.throwIfAborted();
}

export function describeConfiguration(active: ActiveConfiguration): string {
  const drafter = active.drafterId === null ? "verifier-only" : `${active.drafterId} K=${active.k}${active.protocol ? ` via ${active.protocol}` : ""}`;
  return `${drafter} (${active.objective}, ${active.source})`;
}
