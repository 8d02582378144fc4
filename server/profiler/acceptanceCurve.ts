import type { RoundObservation } from "./recordedRounds.js";

/**
 * Pseudo-rounds of the prior at each position: a Beta prior centred on the previous position's
 * estimate. Deep positions are reached by few rounds of a weak drafter (α = 0.3 reaches position
 * 4 in ~3% of rounds), and a raw 1/1 or 0/1 there would swing K* on one sample.
 */
export const CURVE_PRIOR_ROUNDS = 2;

export interface AcceptanceEstimate {
  /** Conditional acceptance per position (index i: P(draft i+1 accepted | drafts 1..i accepted)). */
  curve: number[];
  /** Rounds that tested each position. */
  samplesByPosition: number[];
  /** Accepted / drafted over all rounds (unconditional). */
  mean: number;
  /** Accepted / tested positions: the i.i.d. α of Leviathan et al. fitted to the same rounds. */
  pooledAlpha: number;
  rounds: number;
}

/**
 * The per-position greedy acceptance curve from draft–verify rounds, allowing for censoring:
 * position i was tested in a round iff drafts 1..i−1 were accepted and at least i were asked for
 * (a drafter that drafts fewer than asked, a model-free one finding no match, fails the positions
 * it left out: the round yields what it yields), so a_i = (rounds accepting ≥ i) / (rounds testing i) — the product-limit (Kaplan–Meier 1958)
 * estimator of the survival curve Π a_j that expectedTokensPerRound consumes — shrunk towards
 * a_{i−1} by {@link CURVE_PRIOR_ROUNDS} pseudo-rounds.
 */
export function estimateAcceptanceCurve(rounds: readonly RoundObservation[], kMax: number): AcceptanceEstimate {
  const tested = Array<number>(kMax).fill(0);
  const passed = Array<number>(kMax).fill(0);
  let drafted = 0;
  let accepted = 0;
  for (const round of rounds) {
    drafted += round.drafted;
    accepted += round.accepted;
    for (let i = 0; i < Math.min(kMax, Math.max(round.k, round.drafted)); i++) {
      if (round.accepted < i) break;
      tested[i]++;
      if (round.accepted > i) passed[i]++;
    }
  }
  const testedTotal = tested.reduce((a, b) => a + b, 0);
  const pooledAlpha = testedTotal > 0 ? passed.reduce((a, b) => a + b, 0) / testedTotal : 0;
  const curve: number[] = [];
  let prior = pooledAlpha;
  for (let i = 0; i < kMax; i++) {
    const estimate = (passed[i] + CURVE_PRIOR_ROUNDS * prior) / (tested[i] + CURVE_PRIOR_ROUNDS);
    curve.push(estimate);
    prior = estimate;
  }
  return { curve, samplesByPosition: tested, mean: drafted > 0 ? accepted / drafted : 0, pooledAlpha, rounds: rounds.length };
}
