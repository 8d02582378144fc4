/**
 * The daemon's wiring points to the components other folders build: the speculative engine
 * and the embedded verifier. Everything else in the daemon is written against these types,
 * so connecting a real implementation is a one-line change here.
 */
import type { CompletionSource } from "../engine/completionSource.js";
import type { VerifierProtocol } from "../config/daemonSettings.js";
import { startVerifierServer } from "../verifierServer/startVerifierServer.js";
import { ComponentNotWiredError } from "./errors/componentNotWiredError.js";

export interface EngineDrafter {
  /** Stable name shown in the status bar and matched against the profile's drafter ids. */
  id: string;
  /** A local GGUF path (the daemon resolves `hf:` URIs before building the engine). */
  uriOrPath: string;
}

export interface EngineVerifier {
  baseUrl: string;
  model: string;
  apiKey?: string;
  protocol: VerifierProtocol;
}

export interface EngineOptions {
  /** Undefined: verifier-only decoding. */
  drafter?: EngineDrafter;
  /** Tokens drafted per round. */
  k: number;
  verifier?: EngineVerifier;
  /** Threads for the drafter's context. Default: the engine's (DEFAULT_THREADS in server/llama). */
  threads?: number;
}

export type CreateEngine = (options: EngineOptions) => Promise<CompletionSource>;

/** TODO(lead): `export const createEngine: CreateEngine = createSpeculativeEngine;` */
export const createEngine: CreateEngine = async () => {
  throw new ComponentNotWiredError("The speculative engine", "server/daemon/engineFactory.ts (createEngine)");
};

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
