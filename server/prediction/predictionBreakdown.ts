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

export interface Prediction {
  configuration: Configuration;
  kind: ConfigurationKind;
  /** False for drafter-only: its tokens are the drafter's, not the verifier's. */
  verified: boolean;
  /** Completion length the prediction is for. */
  tokens: number;
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
