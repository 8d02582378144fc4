import type { CompletionOutput } from "../../completionContract.js";
import { verifyMsFor } from "../../prediction/performanceModel.js";
import { servedProtocolFits } from "../../prediction/protocolFits.js";
import type { RunningEstimates } from "../../prediction/runningEstimates.js";
import type { Profile } from "../../profile/profileSchema.js";

/** Weight of the newest round-trip sample: ~5 completions make most of the estimate. */
const RTT_SMOOTHING = 0.3;
/** Per-round decay of old acceptance counts, so the curve follows what the user writes now. */
const ACCEPTANCE_DECAY = 0.98;
/** Trials a position needs before its observed acceptance replaces the profiled one. */
const MIN_POSITION_TRIALS = 5;

/**
 * Running estimates from real traffic (online adaptation): the round trip and each drafter's
 * per-position acceptance, from the stats of served speculative completions. The round trip is
 * what a round's verifier time exceeds the profile's verify-time fit by — the network part.
 */
export class RunningEstimator {
  #rttMs: number | undefined;
  readonly #positions = new Map<string, { hits: number[]; trials: number[] }>();
  #samples = 0;

  /** Speculative completions observed since the last reset. */
  get samples(): number {
    return this.#samples;
  }

  observe(output: CompletionOutput, profile: Profile): void {
    const { stats, configuration } = output;
    const drafterId = configuration.drafterId;
    if (!configuration.verified || drafterId === undefined || configuration.k === 0 || !stats.perRound || stats.rounds === 0) return;
    this.#samples++;
    const contextTokens = stats.usage.promptTokens / stats.rounds;
    const roundMs = (stats.timings.verifyMs + stats.timings.networkMs) / stats.rounds;
    const rtt = Math.max(0, roundMs - verifyMsFor(servedProtocolFits(profile, configuration.protocol).verifyFit, configuration.k, contextTokens));
    this.#rttMs = this.#rttMs === undefined ? rtt : this.#rttMs + RTT_SMOOTHING * (rtt - this.#rttMs);

    const counts = this.#positions.get(drafterId) ?? { hits: [], trials: [] };
    this.#positions.set(drafterId, counts);
    for (const round of stats.perRound) {
      for (let i = 0; i < counts.trials.length; i++) {
        counts.hits[i] *= ACCEPTANCE_DECAY;
        counts.trials[i] *= ACCEPTANCE_DECAY;
      }
      // Positions 1..accepted were accepted; the next one, if drafted, was the first rejection.
      const judged = Math.min(round.drafted, round.accepted + 1);
      for (let i = 0; i < judged; i++) {
        counts.hits[i] = (counts.hits[i] ?? 0) + (i < round.accepted ? 1 : 0);
        counts.trials[i] = (counts.trials[i] ?? 0) + 1;
      }
    }
  }

  estimates(): RunningEstimates {
    const drafters: Record<string, { acceptanceCurve: number[] }> = {};
    for (const [id, { hits, trials }] of this.#positions) {
      // Only a prefix of positions with enough trials: the rest keep their profiled values.
      const curve: number[] = [];
      for (let i = 0; i < trials.length && trials[i] >= MIN_POSITION_TRIALS; i++) curve.push(hits[i] / trials[i]);
      if (curve.length > 0) drafters[id] = { acceptanceCurve: curve };
    }
    return { rttMs: this.#rttMs, drafters };
  }

  reset(): void {
    this.#rttMs = undefined;
    this.#positions.clear();
    this.#samples = 0;
  }
}
