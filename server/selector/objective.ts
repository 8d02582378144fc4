import { z } from "zod";
import type { Prediction } from "../prediction/performanceModel.js";
import type { MetricInterval, PredictionInterval } from "../prediction/predictionInterval.js";
import type { FirstLinePrediction } from "../prediction/firstLineLatency.js";

/**
 * What the user optimises: `latency` the soonest first verified line at a pause (what a person
 * waits for while typing), `cost` max tokens per USD, `battery` max tokens per joule.
 */
export const ObjectiveSchema = z.enum(["latency", "cost", "battery"]);
export type Objective = z.infer<typeof ObjectiveSchema>;

/** `auto`: battery while on battery power, latency otherwise (and when it cannot be told). */
export const ObjectiveChoiceSchema = z.enum(["latency", "cost", "battery", "auto"]);
export type ObjectiveChoice = z.infer<typeof ObjectiveChoiceSchema>;

export const OBJECTIVES: readonly Objective[] = ObjectiveSchema.options;

export function resolveObjective(choice: ObjectiveChoice, onBattery: boolean | null): Objective {
  if (choice !== "auto") return choice;
  return onBattery === true ? "battery" : "latency";
}

/** The metric an objective maximises. */
export function objectiveMetric(objective: Objective, prediction: Prediction): number {
  switch (objective) {
    case "latency":
      return prediction.goodput;
    case "cost":
      return prediction.tokensPerUsd;
    case "battery":
      return prediction.tokensPerJoule;
  }
}

/** The interval of the metric an objective maximises. */
export function objectiveInterval(objective: Objective, interval: PredictionInterval): MetricInterval {
  switch (objective) {
    case "latency":
      return interval.goodput;
    case "cost":
      return interval.tokensPerUsd;
    case "battery":
      return interval.tokensPerJoule;
  }
}

const MS_PER_SECOND = 1000;

/**
 * What the selector ranks by, higher is better: for `latency` first lines per second (1000 ÷
 * the predicted ms to the first verified line from a warm prompt, so ratios of it are speedups),
 * for the others their {@link objectiveMetric}.
 */
export function selectionMetric(objective: Objective, scored: { prediction: Prediction; firstLine: FirstLinePrediction }): number {
  return objective === "latency" ? MS_PER_SECOND / scored.firstLine.ms : objectiveMetric(objective, scored.prediction);
}

/** The interval of {@link selectionMetric}; undefined when the profile has no bootstrap replicates. */
export function selectionInterval(objective: Objective, scored: { interval?: PredictionInterval; firstLine: FirstLinePrediction }): MetricInterval | undefined {
  if (objective !== "latency") return scored.interval && objectiveInterval(objective, scored.interval);
  const ms = scored.firstLine.interval;
  return ms && { low: MS_PER_SECOND / ms.high, high: MS_PER_SECOND / ms.low };
}

/** A {@link selectionMetric} value as people read it: "180 ms to the first line" for latency, else {@link formatMetric}. */
export function formatSelectionMetric(objective: Objective, value: number): string {
  return objective === "latency" ? `${formatNumber(MS_PER_SECOND / value)} ms to the first line` : formatMetric(objective, value);
}

export const OBJECTIVE_UNITS: Readonly<Record<Objective, string>> = { latency: "tok/s", cost: "tok/$", battery: "tok/J" };

/** "412 tok/s", "1.2M tok/$", "5.5 tok/J", "free" for an infinite tokens-per-dollar. */
export function formatMetric(objective: Objective, value: number): string {
  if (value === Infinity) return objective === "cost" ? "free" : "∞";
  return `${formatNumber(value)} ${OBJECTIVE_UNITS[objective]}`;
}

/** Three significant digits with k/M suffixes. */
export function formatNumber(value: number): string {
  // Drafter-only has no verification rounds: its tokens per round is infinite, printed as n/a.
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${trim((value / 1e3).toPrecision(3))}k`;
  if (abs >= 100) return value.toFixed(0);
  return trim(value.toPrecision(3));
}

function trim(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
