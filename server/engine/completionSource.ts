import type { RoundRecord } from "../speculative/completionMeter.js";

/**
 * The contract between the daemon (LSP, caching, post-processing) and the speculative engine.
 * The daemon never reaches past it; the engine never knows about LSP.
 */

export interface CompletionInput {
  /** Whose KV cache the drafter reuses (the document URI). Default: one shared cache. */
  documentKey?: string;
  /** Document text before the cursor. */
  prefix: string;
  /** Document text after the cursor. */
  suffix: string;
  languageId: string;
  maxTokens: number;
  signal: AbortSignal;
  /**
   * Called with the text generated so far after every round; returning true ends generation
   * early (stop rules such as "end of line" live in the daemon, the engine only asks).
   */
  shouldStop?: (generatedText: string) => boolean;
}

export type CompletionStopReason = "maxTokens" | "eos" | "stopRule" | "aborted";

export interface CompletionTimings {
  draftMs: number;
  verifyMs: number;
  networkMs: number;
  totalMs: number;
}

export interface CompletionUsage {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

export interface CompletionStats {
  /** Verified tokens produced. */
  tokens: number;
  rounds: number;
  drafted: number;
  accepted: number;
  timings: CompletionTimings;
  usage: CompletionUsage;
  /** Each draft–verify round (profiler, benchmarks); absent for single-call modes. */
  perRound?: RoundRecord[];
}

/** Which configuration served a completion: drafter id (undefined for verifier-only) and K. */
export interface ServedConfiguration {
  drafterId: string | undefined;
  k: number;
  verified: boolean;
}

export interface CompletionOutput {
  text: string;
  stopReason: CompletionStopReason;
  stats: CompletionStats;
  configuration: ServedConfiguration;
}

export interface CompletionSource {
  complete(input: CompletionInput): Promise<CompletionOutput>;
  dispose(): Promise<void>;
}
