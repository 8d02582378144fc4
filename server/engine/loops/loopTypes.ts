import type { Token } from "node-llama-cpp";
import type { Drafter } from "../../drafter/drafter.js";
import type { CompletionStopReason } from "../../completionContract.js";
import type { CompletionPrompt } from "../../prompt/completionPrompt.js";
import type { TokenVerifier } from "../../verifier/protocols/tokenVerifier.js";
import type { VerifierClient } from "../../verifier/verifierClient.js";
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
  client: VerifierClient;
  documentKey: string;
  /** Draft tokens per round, ≥ 1. */
  k: number;
}

/** The token-ids loop verifies through whichever protocol the engine resolved (sglang, prefix-probe, echo-logprobs). */
export interface TokenIdsLoopInput extends SpeculativeLoopInput {
  verifier: TokenVerifier;
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
