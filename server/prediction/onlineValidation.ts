import type { PredictionInterval } from "./predictionInterval.js";
import type { Prediction } from "./performanceModel.js";

/** Completions before drift is judged at all: a few completions vary a lot with their prompts. */
export const DRIFT_MIN_COMPLETIONS = 12;
/** Completions in the window drift is judged on (the most recent ones). */
export const DRIFT_WINDOW = 24;
/**
 * Share of the window's completions outside the prediction's interval, all on the same side,
 * that counts as a persistent drift. An honest 80% interval leaves ~10% on each side; 60% on
 * one side is far beyond what its spread allows (binomial tail < 1e-6 at n = 12).
 */
export const DRIFT_SHARE = 0.6;

export interface ServedMeasurement {
  /** Verified tokens over the completion's engine time. */
  goodput: number;
  tokensPerRound: number;
  tokens: number;
}

export interface PredictedVsMeasured {
  completions: number;
  /** Σ tokens / Σ seconds of the served completions (what goodput means over a session). */
  measuredGoodput: number;
  predictedGoodput: number;
  /** (measured − predicted) / predicted of the session's goodput. */
  goodputError: number;
  measuredTokensPerRound: number;
  predictedTokensPerRound: number;
  /** Share of completions whose goodput fell inside the prediction's interval; NaN without intervals. */
  coverage: number;
  /** Set once a persistent drift was seen: why (for the log and the re-profiling). */
  drift: string | undefined;
}

interface Entry {
  measured: ServedMeasurement;
  ms: number;
  side: "below" | "inside" | "above" | "unknown";
}

/**
 * Online validation: every served completion beside the prediction of the configuration that
 * served it — "predicted vs measured so far" — and a drift test: when most recent completions
 * fall outside the interval on the same side, the profile no longer describes this machine or
 * network and should be measured again. Completions of one prompt are not independent, so the
 * test waits for {@link DRIFT_MIN_COMPLETIONS} and asks for a clear majority, not a p-value.
 */
export class OnlineValidation {
  #prediction: Prediction | undefined;
  #interval: PredictionInterval | undefined;
  #entries: Entry[] = [];
  #drift: string | undefined;

  /** The running configuration's prediction; a new one starts a new comparison. */
  setPrediction(prediction: Prediction, interval?: PredictionInterval): void {
    this.#prediction = prediction;
    this.#interval = interval;
    this.#entries = [];
    this.#drift = undefined;
  }

  /** Records a served completion; returns the drift reason the first time drift is seen. */
  observe(measured: ServedMeasurement): string | undefined {
    if (!this.#prediction || measured.tokens === 0 || !Number.isFinite(measured.goodput)) return undefined;
    const interval = this.#interval?.replicates ? this.#interval.goodput : undefined;
    const side = !interval ? "unknown" : measured.goodput < interval.low ? "below" : measured.goodput > interval.high ? "above" : "inside";
    this.#entries.push({ measured, ms: (measured.tokens * 1000) / measured.goodput, side });
    if (this.#drift !== undefined) return undefined;
    this.#drift = this.#driftReason();
    return this.#drift;
  }

  #driftReason(): string | undefined {
    const recent = this.#entries.slice(-DRIFT_WINDOW);
    if (recent.length < DRIFT_MIN_COMPLETIONS || !this.#interval) return undefined;
    for (const side of ["below", "above"] as const) {
      const share = recent.filter((e) => e.side === side).length / recent.length;
      if (share >= DRIFT_SHARE) {
        const s = this.summary();
        return (
          `${(share * 100).toFixed(0)}% of the last ${recent.length} completions ran ${side === "below" ? "slower" : "faster"} than the ` +
          `${(this.#interval.level * 100).toFixed(0)}% interval (${this.#interval.goodput.low.toFixed(1)}–${this.#interval.goodput.high.toFixed(1)} tok/s): ` +
          `measured ${s.measuredGoodput.toFixed(1)} vs predicted ${s.predictedGoodput.toFixed(1)} tok/s`
        );
      }
    }
    return undefined;
  }

  summary(): PredictedVsMeasured {
    const p = this.#prediction;
    const tokens = this.#entries.reduce((t, e) => t + e.measured.tokens, 0);
    const ms = this.#entries.reduce((t, e) => t + e.ms, 0);
    const judged = this.#entries.filter((e) => e.side !== "unknown");
    const measuredGoodput = ms > 0 ? (tokens * 1000) / ms : NaN;
    const rounds = this.#entries.reduce((t, e) => t + e.measured.tokens / e.measured.tokensPerRound, 0);
    return {
      completions: this.#entries.length,
      measuredGoodput,
      predictedGoodput: p?.goodput ?? NaN,
      goodputError: p ? measuredGoodput / p.goodput - 1 : NaN,
      measuredTokensPerRound: rounds > 0 ? tokens / rounds : NaN,
      predictedTokensPerRound: p?.tokensPerRound ?? NaN,
      coverage: judged.length > 0 ? judged.filter((e) => e.side === "inside").length / judged.length : NaN,
      drift: this.#drift,
    };
  }
}
