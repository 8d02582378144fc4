import type { DrafterProfile, Profile } from "../profile/profileSchema.js";
import type { Conditions } from "./conditions.js";
import type { CompletionEstimate } from "./predictionBreakdown.js";

/** A completion length and its share of completions. */
export interface LengthWeight {
  tokens: number;
  weight: number;
}

export interface CompletionLengths {
  lengths: LengthWeight[];
  /** `stopRules`: the profile's measured lengths; `maxTokens`: every completion runs to the budget. */
  source: "stopRules" | "maxTokens";
}

/**
 * The lengths a completion takes under the daemon's stop rules: each calibration completion's
 * measured length, capped at the budget (a sample that ran into a smaller budget is censored
 * there: it counts at that budget), pooled by length. Without the profile's lengths, or when the
 * conditions ask for whole budgets, one length: `maxTokens`.
 */
export function completionLengths(profile: Profile, conditions: Pick<Conditions, "maxTokens" | "completionLength">): CompletionLengths {
  const M = conditions.maxTokens;
  const measured = profile.completionLength;
  if (conditions.completionLength === "maxTokens" || measured === undefined) return { lengths: [{ tokens: M, weight: 1 }], source: "maxTokens" };
  const counts = new Map<number, number>();
  // A round always yields a token, so a completion has at least one.
  for (const s of measured.samples) {
    const tokens = Math.max(1, Math.min(s.tokens, M));
    counts.set(tokens, (counts.get(tokens) ?? 0) + 1);
  }
  const total = measured.samples.length;
  const lengths = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([tokens, n]) => ({ tokens, weight: n / total }));
  return { lengths, source: "stopRules" };
}

/**
 * The expectation of completions of several lengths: every time, token and billing total
 * weighted by its length's share. Goodput, cost and energy are then ratios of these expectations
 * (tokens over time across many completions), not means of per-completion ratios.
 */
export function mixCompletions(parts: readonly { completion: CompletionEstimate; weight: number }[]): CompletionEstimate {
  if (parts.length === 0) throw new RangeError("expected at least one completion length, found none");
  if (parts.length === 1) return parts[0].completion;
  const total = parts.reduce((t, p) => t + p.weight, 0);
  const mean = (pick: (c: CompletionEstimate) => number) => parts.reduce((t, p) => t + (p.weight / total) * pick(p.completion), 0);
  const first = parts[0].completion;
  const tokens = mean((c) => c.tokens);
  const rounds = mean((c) => c.rounds);
  return {
    tokens,
    tokensPerRound: tokens / rounds,
    draftMsPerToken: first.draftMsPerToken === null ? null : mean((c) => c.draftMsPerToken ?? 0),
    contextTokens: mean((c) => c.contextTokens),
    draftedTokens: mean((c) => c.draftedTokens),
    draftCalls: mean((c) => c.draftCalls),
    rounds,
    time: { draftMs: mean((c) => c.time.draftMs), verifyMs: mean((c) => c.time.verifyMs), networkMs: mean((c) => c.time.networkMs) },
    billed: { inputTokens: mean((c) => c.billed.inputTokens), cachedTokens: mean((c) => c.billed.cachedTokens), outputTokens: mean((c) => c.billed.outputTokens) },
    draftingWatts: first.draftingWatts,
    firstRoundMs: mean((c) => c.firstRoundMs),
    verifierPrefillMs: mean((c) => c.verifierPrefillMs),
  };
}

/**
 * The drafter's first-round extras the model charges once per completion: a first round faster
 * than later ones is a shared CPU's noise, not a saving, so neither side goes below 0.
 */
export function firstRoundOf(drafter: DrafterProfile): { draftMs: number; verifyMs: number } {
  const first = drafter.firstRound;
  if (!first) return { draftMs: 0, verifyMs: 0 };
  return { draftMs: Math.max(0, first.draftExtraMs), verifyMs: Math.max(0, first.verifyExtraMs) };
}
