import type { z } from "zod";
import type { UsageSchema } from "./verifierResponses.js";
import type { TextAcceptance, TokenIdAcceptance } from "./logprobsAcceptance.js";
import type { CallTiming } from "./verifierTransport.js";

// What every verifier call returns, whichever protocol or route made it: below the client and
// the protocols alike, so neither imports the other for its types.

export interface VerifierUsage {
  promptTokens: number;
  /** Prompt tokens served from the endpoint's prefix cache (`prompt_tokens_details.cached_tokens`), 0 when not reported. */
  cachedTokens: number;
  completionTokens: number;
}

/** A call's timing (see {@link CallTiming}) and what it billed. */
export interface VerifierCallStats extends CallTiming {
  usage: VerifierUsage;
}

/** Why the verifier stopped: `stop` = end of text or a stop sequence, `maxTokens` = the budget ran out. */
export type VerifierStopReason = "stop" | "maxTokens" | "other";

/** OpenAI's `finish_reason` (and SGLang's `finish_reason.type`, which uses the same words). */
export function stopReasonOf(finishReason: string | null | undefined): VerifierStopReason {
  if (finishReason === "stop") return "stop";
  if (finishReason === "length") return "maxTokens";
  return "other";
}

/** OpenAI's `usage` object. */
export function usageOf(usage: z.infer<typeof UsageSchema>): VerifierUsage {
  return {
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens,
  };
}

export interface TokenIdVerifyRequest {
  prompt: readonly number[];
  draft: readonly number[];
  signal?: AbortSignal;
  /** Prompt + draft as text, to recover the bonus token's text (see `acceptDraftTokenIds`). */
  echoedText?: string;
}

export interface TextVerifyRequest {
  prompt: string;
  draft: string;
  signal?: AbortSignal;
}

export interface TokenIdVerification extends TokenIdAcceptance {
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface TextVerification extends TextAcceptance {
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface PredictRequest {
  prompt: string;
  prediction: string;
  maxTokens: number;
  signal?: AbortSignal;
}

/** A chat completion whose draft went as the `prediction` (predicted outputs), with how much of it the endpoint accepted. */
export interface PredictedOutputsCompletion {
  text: string;
  acceptedPredictionTokens: number;
  rejectedPredictionTokens: number;
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface GenerateRequest {
  /** Token ids (shared tokenizer) or text. */
  prompt: readonly number[] | string;
  maxTokens: number;
  stop?: string | string[];
  signal?: AbortSignal;
  /** Also return the generated token ids (asks for logprobs with `return_tokens_as_token_ids`). Default false. */
  returnTokenIds?: boolean;
}

export interface Generation {
  text: string;
  tokenIds: number[] | undefined;
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

/** Extra request fields vLLM understands; unknown fields pass through the openai client untouched. */
export interface VllmCompletionExtras {
  /** Every token string in logprobs comes back as `token_id:<id>`. */
  return_tokens_as_token_ids?: boolean;
}
