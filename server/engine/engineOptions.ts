import type { EndpointSpeeds } from "../verifier/timeBudget.js";
import type { VerifierProtocol, VerifierProtocolSetting } from "../verifier/verifierProtocol.js";

export interface EngineDrafter {
  /** Stable name shown in the status bar and matched against the profile's drafter ids. */
  id: string;
  /** A local GGUF path or an `hf:` URI (resolved through the one model loader), or `ngram` (model-free). */
  uriOrPath: string;
  /** The vocabulary a model-free drafter drafts in: a GGUF of the verifier's family (the embedded verifier's own model). */
  tokenizerUriOrPath?: string;
}

export interface EngineVerifier {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** `auto`: the engine probes the endpoint once and picks (server/verifier/protocols/protocolDetection.ts). */
  protocol: VerifierProtocolSetting;
  /** With `auto`: the protocol the selector chose for this configuration; used when the endpoint answers it. */
  preferredProtocol?: VerifierProtocol;
}

/** One point of the configuration space, as the daemon, the profiler and the CLI ask for it. */
export interface EngineOptions {
  /** Undefined: verifier-only decoding. */
  drafter?: EngineDrafter;
  /** Tokens drafted per round; 0 = verifier-only. */
  k: number;
  /** Undefined: drafter-only (unverified) decoding. */
  verifier?: EngineVerifier;
  /** Threads for the drafter's context. Default: DEFAULT_THREADS in server/llama. */
  threads?: number;
  /** The verifier's measured speeds: its requests' deadlines and the prompt window follow them. Default: UNPROFILED_SPEEDS. */
  speeds?: EndpointSpeeds;
  /** Most tokens a completion asks for (sizes the deadline). Default: DEFAULT_MAX_TOKENS of the daemon settings. */
  maxTokens?: number;
}
