import type { Token } from "node-llama-cpp";
import type { Drafter } from "../../drafter/drafter.js";
import type { CompletionStopReason } from "../../completionContract.js";
import type { CompletionPrompt } from "../../prompt/completionPrompt.js";
import type { TokenVerifier } from "../../verifier/protocols/tokenVerifier.js";
import type { PredictionVerifier, TextVerifier } from "../../verifier/protocols/verifierProtocolModule.js";
import type { VerifierCallStats } from "../../verifier/verifierCalls.js";
import type { CompletionMeter } from "../completionMeter.js";

/** What every decoding mode gets for one completion. */
export interface LoopInput {
  prompt: CompletionPrompt;
  maxTokens: number;
  signal: AbortSignal;
  meter: CompletionMeter;
  /** The daemon's stop rules, asked with the text so far after every round. */
  shouldStop?: (generatedText: string) => boolean;
}

export interface SpeculativeLoopInput extends LoopInput {
  drafter: Drafter;
  documentKey: string;
  /** Draft tokens per round, ≥ 1. */
  k: number;
}

/** One round of the token-ids loop as it happened: what the profiler and validation record. */
export interface RoundObservation {
  /** Draft tokens asked for. */
  k: number;
  /** Draft tokens produced (fewer when the drafter ended the text). */
  drafted: number;
  accepted: number;
  /** Tokens before the drafts: prompt + tokens kept so far. */
  contextTokens: number;
  /** Context tokens the drafter had to evaluate before drafting (its KV cache held the rest). */
  drafterCatchUpTokens: number;
  /** Per drafted token, ms (the first includes the catch-up evaluation). */
  tokenMs: number[];
  /** Wall time of the whole draft call, ms (0 when nothing was drafted). */
  draftCallMs: number;
  /** When the verification call started and ended (performance.now()). */
  verifyStartMs: number;
  verifyEndMs: number;
  /** The verification call's timing and billing. */
  stats: VerifierCallStats;
}

/** What watches or steers the token-ids loop's rounds (the profiler's walks, validation's traces); nothing by default. */
export interface RoundHooks {
  /** K of round `index` from 0 (a profile's schedule); undefined ends the completion there. Default: the loop's k every round. */
  kOf?(index: number): number | undefined;
  /** Runs each draft call (the profiler meters power around it). */
  aroundDraft?<T>(run: () => Promise<T>): Promise<T>;
  /** Runs each verification call. */
  aroundVerify?<T>(run: () => Promise<T>): Promise<T>;
  onRound?(round: RoundObservation): void;
}

/** Token ids both ways, through whichever token protocol the engine resolved. */
export interface TokenIdsLoopInput extends SpeculativeLoopInput {
  verifier: TokenVerifier;
  hooks?: RoundHooks;
}

/** Drafts as text, judged in the verifier's own tokens. */
export interface TextLoopInput extends SpeculativeLoopInput {
  verifier: TextVerifier;
}

/** The whole completion in one call with the draft as its prediction. */
export interface PredictionLoopInput extends SpeculativeLoopInput {
  verifier: PredictionVerifier;
}

export interface LoopResult {
  text: string;
  /** Output tokens: verifier tokens, or drafter tokens in drafter-only mode. */
  tokens: number;
  stopReason: CompletionStopReason;
  /** Generated token ids when the mode knows them in the drafter's vocabulary. */
  tokenIds?: Token[];
}

/** The result of a mode that generates token ids in the drafter's vocabulary (text rendered after the prompt). */
export function tokenLoopResult(drafter: Drafter, prompt: CompletionPrompt, output: Token[], stopReason: CompletionStopReason): LoopResult {
  return { text: drafter.textAfter(output, prompt.tokens), tokens: output.length, stopReason, tokenIds: output };
}
