import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "../charts/renderSvg.js";
import type { BenchResult, ConditionResultJson } from "./benchSchema.js";

export interface BenchChart {
  id: string;
  title: string;
  svg: string;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 520;
const HEIGHT = 260;

interface RolePoint {
  condition: string;
  role: string;
  label: string;
  goodput: number;
  goodputMin: number;
  goodputMax: number;
  p50: number;
  p95: number;
  usdPer1k: number;
  joules: number;
}

/** The configurations compared in every condition, in legend order. */
function rolePoints(c: ConditionResultJson): RolePoint[] {
  const roles: [string, string][] = [
    ["verifier-only", c.roles.verifierOnly],
    ["drafter-only (unverified)", c.roles.drafterOnly],
    ["popular default", c.roles.popularDefault],
    ["latency pick", c.roles.picks.latency],
    ["latency oracle", c.roles.oracles.latency],
    ["cost pick", c.roles.picks.cost],
    ["cost oracle", c.roles.oracles.cost],
    ["battery pick", c.roles.picks.battery],
    ["battery oracle", c.roles.oracles.battery],
  ];
  return roles.map(([role, label]) => {
    const r = c.rows.find((row) => row.label === label)!;
    return {
      condition: c.label,
      role,
      label,
      goodput: r.goodput.median,
      goodputMin: r.goodput.min,
      goodputMax: r.goodput.max,
      p50: r.latencyMs.p50,
      p95: r.latencyMs.p95,
      usdPer1k: r.usdPer1kCompletions,
      joules: r.joulesPerCompletion,
    };
  });
}

/** One small multiple per condition, in run order, three to a row. */
function conditionFacet(result: BenchResult) {
  return {
    facet: { field: "condition", type: "nominal" as const, title: null, sort: result.conditions.map((c) => c.label), header: { labelLimit: 400, labelFontSize: 11 } },
    columns: 3,
  };
}

/** Grouped bars per condition, one bar per role, with an optional error rule. */
function groupedBars(
  result: BenchResult,
  title: string,
  points: RolePoint[],
  field: keyof RolePoint,
  yTitle: string,
  options: { error?: [keyof RolePoint, keyof RolePoint]; log?: boolean } = {},
): TopLevelSpec {
  const { error } = options;
  const x = { field: "role", type: "nominal" as const, title: null, sort: null, axis: { labels: false, ticks: false } };
  const y = { field, type: "quantitative" as const, title: yTitle, ...(options.log ? { scale: { type: "symlog" as const } } : {}) };
  const layers: object[] = [
    {
      mark: { type: "bar" },
      encoding: { x, y, color: { field: "role", type: "nominal", sort: null, title: "configuration" }, tooltip: [{ field: "label" }, { field, type: "quantitative", format: ".3~s" }] },
    },
  ];
  if (error) layers.push({ mark: { type: "rule", color: "black" }, encoding: { x, y: { field: error[0], type: "quantitative" }, y2: { field: error[1] } } });
  return {
    $schema: SCHEMA,
    title,
    background: "white",
    config: { legend: { labelLimit: 320 }, header: { labelLimit: 320 } },
    data: { values: points },
    ...conditionFacet(result),
    spec: { width: 240, height: HEIGHT * 0.8, layer: layers },
  } as TopLevelSpec;
}

function gridLines(result: BenchResult, field: "acceptance" | "tokensPerRound", title: string): TopLevelSpec {
  const values = result.conditions.flatMap((c) =>
    c.rows.filter((r) => r.kind === "speculative" && r.configuration.threads === 1).map((r) => ({ condition: c.label, drafter: r.configuration.drafterId, k: r.configuration.k, value: r[field] })),
  );
  return {
    $schema: SCHEMA,
    title,
    background: "white",
    config: { header: { labelLimit: 320 } },
    data: { values },
    ...conditionFacet(result),
    spec: {
      width: 240,
      height: HEIGHT * 0.8,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "k", type: "quantitative", title: "K", axis: { tickMinStep: 1 } },
        y: { field: "value", type: "quantitative", title },
        color: { field: "drafter", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

function regretChart(result: BenchResult): TopLevelSpec {
  const values = result.conditions.flatMap((c) => c.regret.map((r) => ({ condition: c.label, objective: r.objective, regret: r.regret, label: `${r.pick} vs ${r.oracle}` })));
  return {
    $schema: SCHEMA,
    title: { text: "Regret of the pick vs the oracle", subtitle: `target ≤ ${(result.targets.regret.target * 100).toFixed(0)}% (dashed)` },
    background: "white",
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: "bar" },
        encoding: {
          x: { field: "condition", type: "nominal", sort: null, title: null, axis: { labelAngle: -25, labelLimit: 260 } },
          xOffset: { field: "objective", type: "nominal" },
          y: { field: "regret", type: "quantitative", axis: { format: "%" }, title: "regret (share of the oracle's value lost)" },
          color: { field: "objective", type: "nominal" },
          tooltip: [{ field: "label" }, { field: "regret", format: ".1%" }],
        },
      },
      {
        // The value over each bar: a regret of 0 has no bar to see.
        data: { values },
        mark: { type: "text", dy: -6, fontSize: 9 },
        encoding: {
          x: { field: "condition", type: "nominal", sort: null },
          xOffset: { field: "objective", type: "nominal" },
          y: { field: "regret", type: "quantitative" },
          text: { field: "regret", type: "quantitative", format: ".1%" },
          color: { field: "objective", type: "nominal" },
        },
      },
      { data: { values: [{ target: result.targets.regret.target }] }, mark: { type: "rule", strokeDash: [6, 4], color: "red" }, encoding: { y: { field: "target", type: "quantitative" } } },
    ],
  } as TopLevelSpec;
}

function predictionChart(result: BenchResult): TopLevelSpec {
  const values = result.conditions.flatMap((c) =>
    c.rows.filter((r) => r.verified && r.predicted?.goodput != null).map((r) => ({ condition: c.label, label: r.label, predicted: r.predicted!.goodput, measured: r.goodput.median })),
  );
  const max = Math.max(1, ...values.flatMap((v) => [v.predicted ?? 0, v.measured]));
  return {
    $schema: SCHEMA,
    title: { text: "Prediction error: profile's goodput vs measured", subtitle: "every verified configuration measured; dashed: exact prediction" },
    background: "white",
    config: { legend: { labelLimit: 320 } },
    width: WIDTH,
    height: HEIGHT + 40,
    layer: [
      {
        data: { values },
        mark: { type: "point", filled: true, size: 45 },
        encoding: {
          x: { field: "predicted", type: "quantitative", title: "predicted goodput (tok/s)", scale: { domain: [0, max] } },
          y: { field: "measured", type: "quantitative", title: "measured goodput (tok/s)", scale: { domain: [0, max] } },
          color: { field: "condition", type: "nominal", sort: null },
          tooltip: [{ field: "label" }, { field: "predicted", format: ".3~s" }, { field: "measured", format: ".3~s" }],
        },
      },
      {
        data: { values: [{ x: 0, y: 0 }, { x: max, y: max }] },
        mark: { type: "line", strokeDash: [6, 4], color: "gray" },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

function peerChart(result: BenchResult): TopLevelSpec | undefined {
  const peer = result.peer;
  if (!peer) return undefined;
  const values = [
    { who: `ours: ${peer.ours.label}`, goodput: peer.ours.goodput.median, min: peer.ours.goodput.min, max: peer.ours.goodput.max },
    ...peer.variants.map((v) => ({ who: `node-llama-cpp ${v.variant}`, goodput: v.goodput.median, min: v.goodput.min, max: v.goodput.max })),
  ];
  return {
    $schema: SCHEMA,
    title: { text: "Peer: goodput vs node-llama-cpp DraftSequenceTokenPredictor", subtitle: "same target, drafter and prompts; median and min–max over passes" },
    background: "white",
    width: WIDTH,
    height: HEIGHT / 1.5,
    data: { values },
    layer: [
      { mark: { type: "bar" }, encoding: { y: { field: "who", type: "nominal", title: null, sort: null }, x: { field: "goodput", type: "quantitative", title: "goodput (tok/s)" } } },
      { mark: { type: "rule", color: "black" }, encoding: { y: { field: "who", type: "nominal", sort: null }, x: { field: "min", type: "quantitative" }, x2: { field: "max" } } },
    ],
  } as TopLevelSpec;
}

/** Every figure of the report as an SVG, rendered one at a time (rendering is CPU-bound). */
export async function renderBenchCharts(result: BenchResult): Promise<BenchChart[]> {
  const points = result.conditions.flatMap(rolePoints);
  const specs: [string, string, TopLevelSpec | undefined][] = [
    ["goodput", "Goodput (verified tok/s), median and min–max over passes", groupedBars(result, "Goodput (verified tok/s, symlog scale), median and min–max over passes", points, "goodput", "tok/s", { error: ["goodputMin", "goodputMax"], log: true })],
    ["latency", "Completion latency p50 (bar) to p95 (rule), ms", groupedBars(result, "Completion latency p50 (bar) to p95 (rule), ms", points, "p50", "ms", { error: ["p50", "p95"] })],
    ["cost", "Cost per 1,000 completions (USD)", groupedBars(result, "Cost per 1,000 completions (USD, list prices)", points, "usdPer1k", "USD per 1k completions")],
    ["energy", "Energy per completion (J)", groupedBars(result, `Energy per completion (J), ${result.power.label}`, points, "joules", "J per completion")],
    ["acceptance", "Acceptance vs K", gridLines(result, "acceptance", "acceptance (accepted / drafted)")],
    ["tokens-per-round", "Tokens per round vs K", gridLines(result, "tokensPerRound", "verified tokens per round")],
    ["regret", "Regret per objective", regretChart(result)],
    ["prediction", "Prediction error", predictionChart(result)],
    ["peer", "Peer comparison", peerChart(result)],
  ];
  const charts: BenchChart[] = [];
  for (const [id, title, spec] of specs) if (spec) charts.push({ id, title, svg: await renderSvg(spec) });
  return charts;
}
