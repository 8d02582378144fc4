/**
 * The two things the daemon builds but does not implement: an engine per configuration
 * (server/engine) and the embedded verifier (server/verifierServer). The daemon takes them as
 * options (`ConfigSpecDaemonOptions`), so tests pass stand-ins; these are the real ones.
 */
import type { CompletionSource } from "../completionContract.js";
import type { EngineOptions } from "../engine/engineOptions.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import { startVerifierServer } from "../verifierServer/startVerifierServer.js";

export type { EngineDrafter, EngineOptions, EngineVerifier } from "../engine/engineOptions.js";

export type LoadEngine = (options: EngineOptions) => Promise<CompletionSource>;

export const loadEngine: LoadEngine = (options) => SpeculativeEngine.load(options);

export interface EmbeddedVerifier {
  baseUrl: string;
  close(): Promise<void>;
}

export interface EmbeddedVerifierOptions {
  /** The GGUF model the verifier serves (the model family's target: bundled trained, or the generated fixture in tests). */
  modelPath: string;
  /** Default: any free port on 127.0.0.1. */
  port?: number;
}

export type StartEmbeddedVerifier = (options: EmbeddedVerifierOptions) => Promise<EmbeddedVerifier>;

/** server/verifierServer on 127.0.0.1, a free port, the model family's target. */
export const startEmbeddedVerifier: StartEmbeddedVerifier = (options) => startVerifierServer(options);
