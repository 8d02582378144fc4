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

/** Served completions the first-line drift is judged on (the most recent ones). */
export const FIRST_LINE_WINDOW = 12;
/** |median relative error| of the window's time to the first line that counts as off: well beyond an honest 80% interval's spread. */
export const FIRST_LINE_DRIFT_THRESHOLD = 0.5;
/** Consecutive checks (one per served completion once the window is full) the median must stay off before it is a drift. */
export const FIRST_LINE_DRIFT_CHECKS = 3;

/** One served completion's time to its first verified line beside the profile's prediction for it. */
export interface FirstLineObservation {
  predictedMs: number;
  measuredMs: number;
  /** The prediction's interval, when the profile has bootstrap replicates. */
  interval?: { low: number; high: number };
}

export interface FirstLineSummary {
  completions: number;
  /** Median (measured − predicted) / predicted over the window; NaN before any completion. */
  medianError: number;
  /** Share of the window inside the prediction's interval; NaN without intervals. */
  coverage: number;
  /** Consecutive checks the window's median has been beyond the threshold. */
  offChecks: number;
}

/**
 * Online validation of the prediction typing depends on, the time to the first verified line.
 * A drift is persistent when the median relative error over the last {@link FIRST_LINE_WINDOW}
 * served completions stays beyond ±{@link FIRST_LINE_DRIFT_THRESHOLD} for
 * {@link FIRST_LINE_DRIFT_CHECKS} consecutive checks: a median ignores the odd slow completion
 * (a cold cache, a busy moment), and the consecutive checks ignore a short burst.
 */
export class FirstLineDriftCheck {
  readonly #window: FirstLineObservation[] = [];
  #offChecks = 0;
  #reported = false;

  /** Records a served completion; returns why, once, when the drift has become persistent. */
  observe(observation: FirstLineObservation): string | undefined {
    if (!(observation.predictedMs > 0) || !Number.isFinite(observation.measuredMs) || observation.measuredMs < 0) return undefined;
    this.#window.push(observation);
    if (this.#window.length > FIRST_LINE_WINDOW) this.#window.shift();
    if (this.#window.length < FIRST_LINE_WINDOW) return undefined;
    const { medianError } = this.summary();
    this.#offChecks = Math.abs(medianError) > FIRST_LINE_DRIFT_THRESHOLD ? this.#offChecks + 1 : 0;
    if (this.#offChecks < FIRST_LINE_DRIFT_CHECKS || this.#reported) return undefined;
    this.#reported = true;
    const direction = medianError > 0 ? "slower" : "faster";
    return (
      `the first line came ${(Math.abs(medianError) * 100).toFixed(0)}% ${direction} than predicted ` +
      `(median over the last ${FIRST_LINE_WINDOW} completions, ${FIRST_LINE_DRIFT_CHECKS} checks in a row)`
    );
  }

  summary(): FirstLineSummary {
    const errors = this.#window.map((o) => o.measuredMs / o.predictedMs - 1).sort((a, b) => a - b);
    const judged = this.#window.filter((o) => o.interval !== undefined);
    const inside = judged.filter((o) => o.interval && o.measuredMs >= o.interval.low && o.measuredMs <= o.interval.high).length;
    return {
      completions: this.#window.length,
      medianError: errors.length === 0 ? NaN : medianOfSorted(errors),
      coverage: judged.length === 0 ? NaN : inside / judged.length,
      offChecks: this.#offChecks,
    };
  }

  /** A new profile or configuration: start over. */
  reset(): void {
    this.#window.length = 0;
    this.#offChecks = 0;
    this.#reported = false;
  }
}

function medianOfSorted(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
