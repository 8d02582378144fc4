/**
 * The daemon's wiring points to the components other folders build: the speculative engine
 * and the embedded verifier. Everything else in the daemon is written against these types,
 * so connecting a real implementation is a one-line change here.
 */
import type { CompletionSource } from "../completion/completionSource.js";
import type { EngineOptions } from "../engine/engineOptions.js";
import { createSpeculativeEngine } from "../engine/speculativeEngine.js";
import { startVerifierServer } from "../verifierServer/startVerifierServer.js";

export type { EngineDrafter, EngineOptions, EngineVerifier } from "../engine/engineOptions.js";

export type CreateEngine = (options: EngineOptions) => Promise<CompletionSource>;

export const createEngine: CreateEngine = (options) => createSpeculativeEngine(options);

export interface EmbeddedVerifier {
  baseUrl: string;
  close(): Promise<void>;
}

export interface EmbeddedVerifierOptions {
  /** The GGUF model the verifier serves (the generated family's target). */
  modelPath: string;
  /** Default: any free port on 127.0.0.1. */
  port?: number;
}

export type StartEmbeddedVerifier = (options: EmbeddedVerifierOptions) => Promise<EmbeddedVerifier>;

/** server/verifierServer on 127.0.0.1, a free port, the generated family's target. */
export const startEmbeddedVerifier: StartEmbeddedVerifier = (options) => startVerifierServer(options);
