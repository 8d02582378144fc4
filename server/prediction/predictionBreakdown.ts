import type { Configuration, ConfigurationKind } from "./configuration.js";

// What the performance model (performanceModel.ts) predicts for one configuration.

/** Where a completion's time goes, in ms (totals over the whole completion). */
export interface TimeBreakdown {
  /** Drafter busy: prompt prefill + drafting. */
  draftMs: number;
  /** Verifier server busy: verification rounds, or prefill + generation for verifier-only. */
  verifyMs: number;
  /** Round trips: one per request. */
  networkMs: number;
}

/** Tokens billed for a whole completion. */
export interface BilledTokens {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface EnergyBreakdown {
  /** draftingWatts × drafter busy time. */
  draftingJoules: number;
  /** idleWatts × waiting time (verifier + network). */
  waitingJoules: number;
}

/** One completion of a given length as the model prices it (performanceModel.ts builds it; completionLength.ts mixes lengths). */
export interface CompletionEstimate {
  /** Tokens the completion produces (a stop rule is judged after a round, so a round may run past it). */
  tokens: number;
  tokensPerRound: number;
  draftMsPerToken: number | null;
  contextTokens: number;
  draftedTokens: number;
  draftCalls: number;
  rounds: number;
  time: TimeBreakdown;
  billed: BilledTokens;
  /** Watts while the drafter is busy (0 when there is no drafter). */
  draftingWatts: number;
  /** The first round's extra at a new cursor position, inside `time` already (0 without the profile's term). */
  firstRoundMs: number;
  /** The verifier's prompt processing of verifier-only's one request, inside `time.verifyMs` already (0 for the other kinds). */
  verifierPrefillMs: number;
}

export interface Prediction {
  configuration: Configuration;
  kind: ConfigurationKind;
  /** False for drafter-only: its tokens are the drafter's, not the verifier's. */
  verified: boolean;
  /** Expected completion length: under the stop rules (the profile's measured lengths, within the budget) or the budget. */
  tokens: number;
  /** The token budget (maxTokens) the completion ran under. */
  budgetTokens: number;
  /** Whether `tokens` is the measured length under the stop rules or the budget (a profile without lengths, or asked so). */
  lengthSource: "stopRules" | "maxTokens";
  /** The first round's extra at a new cursor position, ms per completion, inside `time` already. */
  firstRoundMs: number;
  /** Verifier-only's prompt processing, ms per completion, inside `time.verifyMs` already (0 for the other kinds). */
  verifierPrefillMs: number;
  /** Tokens per request/step: E[K] (speculative), M (verifier-only, one streamed request), 1 (drafter-only). */
  tokensPerRound: number;
  /** Requests (rounds) per completion; drafter steps for drafter-only. */
  rounds: number;
  /** Mean time of one round. */
  roundMs: number;
  /** Drafting speed used (thread count and mean context applied); null without a drafter. */
  draftMsPerToken: number | null;
  /** Mean context (tokens before the drafts) the drafting and verify speeds were taken at. */
  contextTokens: number;
  /** Expected drafted tokens and draft calls over the completion (0 without a drafter). */
  draftedTokens: number;
  draftCalls: number;
  completionMs: number;
  time: TimeBreakdown;
  billed: BilledTokens;
  usd: number;
  energy: EnergyBreakdown;
  /** Tokens per second over the completion. */
  goodput: number;
  usdPerToken: number;
  /** Infinity when free (drafter-only). */
  tokensPerUsd: number;
  joulesPerToken: number;
  tokensPerJoule: number;
  /** The round trip used (override or the profile's median). */
  rttMs: number;
}
