import { existsSync } from "node:fs";
import { join } from "node:path";
import type { VerifierSettings } from "../config/daemonSettings.js";
import { MANIFEST_FILE_NAME, readModelManifest } from "../modelFiles/modelManifest.js";
import type { EmbeddedVerifier, EngineVerifier, StartEmbeddedVerifier } from "./engineFactory.js";
import { NoVerifierModelError } from "./errors/noVerifierModelError.js";

export interface VerifierEndpointOptions {
  startEmbeddedVerifier: StartEmbeddedVerifier;
  /** Where the generated model family lives; its target is what the embedded verifier serves. */
  modelFamilyDir: string;
}

export interface ResolvedVerifier extends EngineVerifier {
  embedded: boolean;
  /** The embedded verifier's model file: its vocabulary is lent to the n-gram drafter. */
  modelPath?: string;
}

/**
 * Where the verifier is: the configured endpoint, or the embedded verifier, started on first
 * use and kept until settings change, completions are disabled, or the daemon exits.
 */
export class VerifierEndpoint {
  readonly #options: VerifierEndpointOptions;
  #embedded: Promise<EmbeddedVerifier> | undefined;

  constructor(options: VerifierEndpointOptions) {
    this.#options = options;
  }

  async resolve(settings: VerifierSettings, apiKey: string | undefined): Promise<ResolvedVerifier> {
    if (settings.baseUrl !== "") {
      return { baseUrl: settings.baseUrl, model: settings.model, apiKey, protocol: settings.protocol, embedded: false };
    }
    const manifestPath = join(this.#options.modelFamilyDir, MANIFEST_FILE_NAME);
    if (!existsSync(manifestPath)) throw new NoVerifierModelError(manifestPath);
    const { models } = await readModelManifest(manifestPath);
    const target = models.find((m) => m.role === "target");
    if (!target) throw new NoVerifierModelError(manifestPath);
    this.#embedded ??= this.#options.startEmbeddedVerifier({ modelPath: target.absolutePath });
    const started = this.#embedded;
    // A failed start is not cached: the next completion tries again.
    started.catch(() => {
      if (this.#embedded === started) this.#embedded = undefined;
    });
    const { baseUrl } = await started;
    return { baseUrl, model: settings.model || target.id, protocol: settings.protocol, embedded: true, modelPath: target.absolutePath };
  }

  /** Stops the embedded verifier (if running); the next `resolve` starts it again. */
  async closeEmbedded(): Promise<void> {
    const embedded = this.#embedded;
    this.#embedded = undefined;
    if (!embedded) return;
    try {
      await (await embedded).close();
    } catch {
      // it never started, or is already gone: nothing to close
    }
  }

  async dispose(): Promise<void> {
    await this.closeEmbedded();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
