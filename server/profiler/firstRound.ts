import { verifyMsFor } from "../prediction/performanceModel.js";
import type { VerifyFit } from "../profile/profileSchema.js";
import type { FirstRound } from "../profile/workloadTerms.js";
import { median } from "./latencyStats.js";
import type { RoundObservation } from "./recordedRounds.js";

/**
 * The first round at a new cursor position, from the alignment walks (each starts at a new
 * prompt, the verifier's cache primed with it, the drafter's KV filled by the first draft call):
 * each round's drafting and verifying time beyond what the profile's fits explain for its K and
 * context, first round minus the walk's later rounds (median), averaged over walks. The draft
 * call's first token is left out on both sides: it holds the catch-up the prefill term prices.
 * Undefined when no walk had a first round and a later one to compare with.
 */
export function firstRoundFit(walks: readonly (readonly RoundObservation[])[], perTokenMs: number, fit: VerifyFit): FirstRound | undefined {
  const draftResidual = (r: RoundObservation) => r.draftCallMs - (r.tokenMs[0] ?? 0) - Math.max(0, r.drafted - 1) * perTokenMs;
  const verifyResidual = (r: RoundObservation) => r.verifyEndMs - r.verifyStartMs - verifyMsFor(fit, r.drafted, r.contextTokens);
  const draftExtras: number[] = [];
  const verifyExtras: number[] = [];
  for (const walk of walks) {
    const [first, ...later] = walk;
    const laterDrafts = later.filter((r) => r.drafted > 0);
    if (!first || first.drafted === 0 || laterDrafts.length === 0) continue;
    draftExtras.push(draftResidual(first) - median(laterDrafts.map(draftResidual)));
    verifyExtras.push(verifyResidual(first) - median(later.map(verifyResidual)));
  }
  if (draftExtras.length === 0) return undefined;
  return { draftExtraMs: mean(draftExtras), verifyExtraMs: mean(verifyExtras), walks: draftExtras.length };
}

// Means over walks: the extra is paid once per completion, so its total grows with the mean.
function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
