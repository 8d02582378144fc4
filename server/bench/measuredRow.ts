import { configurationKind, configurationLabel, type Configuration, type ConfigurationKind } from "../prediction/configuration.js";
import { median, quantile } from "../profiler/latencyStats.js";
import type { MeasuredCompletion } from "./gridMeasurement.js";

/** A median with the spread it came from (min and max of the per-pass values). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** One value per pass. */
  values: number[];
}

/** One configuration's measurements under one condition, summarized. */
export interface MeasuredRow {
  configuration: Configuration;
  label: string;
  kind: ConfigurationKind;
  verified: boolean;
  passes: number;
  completions: number;
  tokens: number;
  /** Verified (drafter-only: drafted) tokens per second of completion wall time, per pass. */
  goodput: Spread;
  latencyMs: { p50: number; p95: number };
  usdPer1kCompletions: number;
  /** Infinity for drafter-only (free). */
  tokensPerUsd: number;
  joulesPerCompletion: number;
  tokensPerJoule: Spread;
  /** accepted / drafted; null without drafts. */
  acceptance: number | null;
  tokensPerRound: number;
  /** Component time (drafting + verifier + emulated network) / wall time: 1 = no engine overhead. */
  efficiency: number;
  /** Every completion equals verifier-only's text for the same prompt and pass. */
  exact: boolean | null;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

/** Per-pass rates (sums over the pass's prompts) so a pass is one repeat of the whole workload. */
function perPass(completions: readonly MeasuredCompletion[], rate: (group: readonly MeasuredCompletion[]) => number): number[] {
  const passes = [...new Set(completions.map((c) => c.pass))].sort((a, b) => a - b);
  return passes.map((pass) => rate(completions.filter((c) => c.pass === pass)));
}

export function summarizeRow(configuration: Configuration, completions: readonly MeasuredCompletion[], reference: readonly MeasuredCompletion[] | undefined): MeasuredRow {
  if (completions.length === 0) throw new RangeError(`expected completions of ${configurationLabel(configuration)}, found none`);
  const tokens = sum(completions.map((c) => c.tokens));
  const drafted = sum(completions.map((c) => c.drafted));
  const usd = sum(completions.map((c) => c.usd));
  const kind = configurationKind(configuration);
  const referenceText = (c: MeasuredCompletion) => reference?.find((r) => r.promptIndex === c.promptIndex && r.pass === c.pass)?.text;
  return {
    configuration,
    label: configurationLabel(configuration),
    kind,
    verified: configuration.verified,
    passes: new Set(completions.map((c) => c.pass)).size,
    completions: completions.length,
    tokens,
    goodput: spreadOf(perPass(completions, (g) => (sum(g.map((c) => c.tokens)) * 1000) / sum(g.map((c) => c.totalMs)))),
    latencyMs: { p50: quantile(completions.map((c) => c.totalMs), 0.5), p95: quantile(completions.map((c) => c.totalMs), 0.95) },
    usdPer1kCompletions: (usd / completions.length) * 1000,
    tokensPerUsd: usd === 0 ? Infinity : tokens / usd,
    joulesPerCompletion: sum(completions.map((c) => c.joules)) / completions.length,
    tokensPerJoule: spreadOf(perPass(completions, (g) => sum(g.map((c) => c.tokens)) / sum(g.map((c) => c.joules)))),
    acceptance: drafted === 0 ? null : sum(completions.map((c) => c.accepted)) / drafted,
    // Drafter-only has no rounds: one drafted token per step.
    tokensPerRound: kind === "drafter-only" ? 1 : tokens / Math.max(1, sum(completions.map((c) => c.rounds))),
    efficiency: sum(completions.map((c) => c.componentMs)) / sum(completions.map((c) => c.totalMs)),
    exact: kind === "drafter-only" || !reference ? null : completions.every((c) => referenceText(c) === undefined || referenceText(c) === c.text),
  };
}
