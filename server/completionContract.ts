/**
 * The completion contract: what the daemon (LSP, caching, post-processing), the bench and the
 * profiler ask of an engine, and what they get back. The daemon never reaches past it; the
 * engine never knows about LSP. It imports nothing, so every side can depend on it.
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

/**
 * Where one completion's time went, ms. `draftMs`, `verifyMs` and `networkMs` do not overlap;
 * `totalMs` contains all three plus the engine's own work between them.
 */
export interface CompletionTimings {
  /** Drafter time: the sum of the drafter's per-token decode times (prefill of new prompt text included), every round. */
  draftMs: number;
  /**
   * Verifier time: the wall clock of every verifier call (all attempts and backoff waits) minus
   * its emulated network delay. Against a real endpoint the real network time is inside it.
   */
  verifyMs: number;
  /** Emulated network delay only (`--rtt-ms`, `networkDelay`), already taken out of `verifyMs`; 0 against a real endpoint. */
  networkMs: number;
  /** Wall clock of the whole completion inside the engine: prompt building, drafting, verifying, network, bookkeeping. Not the queue wait before it. */
  totalMs: number;
}

/** One draft–verify round, as the profiler and benchmarks read it. Times as in {@link CompletionTimings}. */
export interface RoundRecord {
  /** Draft tokens sent (drafter tokens). */
  drafted: number;
  /** Draft tokens the verifier kept (verifier tokens in text modes). */
  accepted: number;
  /** Drafter time of the round. */
  draftMs: number;
  /** Verifier call time without the emulated network delay. */
  verifyMs: number;
  /** Emulated network delay of the call (0 against a real endpoint: then it is inside verifyMs). */
  networkMs: number;
}

/** Tokens the verifier billed for one completion (summed over its calls, from `usage`). */
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
  /** The verifier protocol that checked the drafts (a name of server/verifier/verifierProtocol.ts); absent without drafting against a verifier. */
  protocol?: string;
}

export interface CompletionOutput {
  text: string;
  stopReason: CompletionStopReason;
  stats: CompletionStats;
  configuration: ServedConfiguration;
}

/** A cursor position whose prompt should be in the caches before the next pause (typing goes on meanwhile). */
export interface WarmupInput {
  documentKey?: string;
  prefix: string;
  suffix: string;
  languageId: string;
  /** The completion budget the prompt is sized for (as {@link CompletionInput.maxTokens}). */
  maxTokens: number;
  /** Warm the verifier's prefix cache too (a request the endpoint may bill); the drafter's KV always takes the prompt. */
  verifier: boolean;
  signal: AbortSignal;
}

/** What one warm-up did. */
export interface WarmupOutcome {
  /** Prompt tokens the drafter evaluated (0: none, or all were in its KV already). */
  drafterTokens: number;
  /** The verifier request, when one was sent: its billed tokens and time (ms). */
  verifier?: { usage: CompletionUsage; latencyMs: number; networkMs: number };
  /** Wall clock of the whole warm-up, ms. */
  totalMs: number;
}

export interface CompletionSource {
  complete(input: CompletionInput): Promise<CompletionOutput>;
  /** Puts a position's prompt into the caches without generating; absent where an engine has nothing to warm. */
  warm?(input: WarmupInput): Promise<WarmupOutcome>;
  /** Which verification protocol checks the drafts and why, for the status (absent: none, or not a speculative engine). */
  readonly verifierProtocol?: { protocol: string; reason: string; engine?: string };
  /** The engine recognised behind the verifier endpoint (llama-server, vllm, …), drafting or not; absent when unknown. */
  readonly verifierEngine?: string;
  /** How the prompt departs from the drafter's FIM layout (prefix-only, the verifier's own dialect), for the status; absent when it does not. */
  readonly promptNote?: string;
  dispose(): Promise<void>;
}
