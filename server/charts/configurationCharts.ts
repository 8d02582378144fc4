import type { TopLevelSpec } from "vega-lite";
import type { Chart } from "../lspContract.js";
import { formatMetric, formatNumber, objectiveMetric, OBJECTIVES, type Objective } from "../selector/objective.js";
import type { ScoredConfiguration } from "../selector/scoredConfiguration.js";
import type { Selection } from "../selector/selectConfiguration.js";
import { bestThreadsByK, chartPoint, METRIC_FIELDS, type ChartField, type ChartPoint } from "./chartData.js";
import { renderSvg } from "./renderSvg.js";
import { predictedWindowPoints, speculationWindowChartSpec } from "./speculationWindowChart.js";

/** SVG strings of the configuration space, for the CLI (written next to the profile) and the webview. */
export interface ConfigurationCharts {
  goodput: string;
  cost: string;
  energy: string;
  pareto: string;
  window: string;
}

/** Plot size in px: fits the VS Code panel at its default width. */
export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 300;
const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const PICK_COLOR = "#d62728";
const BASELINE_COLOR = "#555555";
// Literal types for the parts built outside the spec literal (no contextual typing there).
const QUANTITATIVE = "quantitative" as const;
const NOMINAL = "nominal" as const;
const POINT = "point" as const;
const TEXT = "text" as const;

const METRIC_TITLES: Readonly<Record<Objective, string>> = {
  latency: "goodput (verified tok/s)",
  cost: "verified tokens per USD",
  battery: "verified tokens per joule",
};

interface PickMarker extends ChartPoint {
  pickLabel: string;
}

interface BaselineRule extends ChartPoint {
  baselineLabel: string;
}

export async function renderConfigurationCharts(selection: Selection): Promise<ConfigurationCharts> {
  // One at a time: rendering is CPU-bound and the machine may be drafting.
  const goodput = await renderSvg(metricChartSpec(selection, "latency"));
  const cost = await renderSvg(metricChartSpec(selection, "cost"));
  const energy = await renderSvg(metricChartSpec(selection, "battery"));
  const pareto = await renderSvg(paretoChartSpec(selection));
  const window = await renderSvg(speculationWindowChartSpec(predictedWindowPoints(selection.window)));
  return { goodput, cost, energy, pareto, window };
}

/** The charts as the protocol's `Chart` list (id, title, svg), in panel order. */
export async function configurationChartList(selection: Selection): Promise<Chart[]> {
  const charts = await renderConfigurationCharts(selection);
  return [
    { id: "goodput", title: "Goodput vs K", svg: charts.goodput },
    { id: "cost", title: "Tokens per USD vs K", svg: charts.cost },
    { id: "energy", title: "Tokens per joule vs K", svg: charts.energy },
    { id: "pareto", title: "Pareto front", svg: charts.pareto },
    { id: "window", title: "Where speculation pays (by round trip)", svg: charts.window },
  ];
}

/**
 * One metric against K: a line per drafter (best thread count at each K), the baselines as
 * dashed horizontal rules, and the picks of all three objectives as labelled diamonds
 * (a baseline pick sits at K = 0).
 */
export function metricChartSpec(selection: Selection, objective: Objective): TopLevelSpec {
  const field = METRIC_FIELDS[objective];
  const lines = bestThreadsByK(selection, objective);
  const kMax = Math.max(1, ...selection.candidates.map((c) => c.configuration.k));
  const baselines: BaselineRule[] = [selection.verifierOnly, ...bestDrafterOnly(selection, objective)]
    .map((scored) => chartPoint(selection, scored))
    .filter((point) => point[field] !== null)
    .map((point) => ({ ...point, baselineLabel: `${point.label}: ${formatMetric(objective, point[field] ?? 0)}` }));
  const picks = pickMarkers(selection, objective).filter((p) => p[field] !== null);
  const x = { field: "k", type: QUANTITATIVE, title: "K (draft tokens per round)", scale: { domain: [0, kMax] }, axis: { tickMinStep: 1 } };
  const y = { field, type: QUANTITATIVE, title: METRIC_TITLES[objective] };
  return {
    $schema: SCHEMA,
    title: { text: `${METRIC_TITLES[objective]} vs K`, subtitle: conditionsText(selection) },
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    background: "white",
    layer: [
      // The 80% interval of each drafter's line, from the profile's bootstrap replicates.
      ...(lines.some((p) => p[`${field}Low`] !== null)
        ? [
            {
              data: { values: lines.filter((p) => p[`${field}Low`] !== null) },
              mark: { type: "area" as const, opacity: 0.15 },
              encoding: {
                x,
                y: { field: `${field}Low`, type: QUANTITATIVE, title: METRIC_TITLES[objective] },
                y2: { field: `${field}High` },
                color: { field: "series", type: "nominal" as const, title: "drafter" },
              },
            },
          ]
        : []),
      {
        data: { values: lines },
        mark: { type: "line", point: true },
        encoding: {
          x,
          y,
          color: { field: "series", type: "nominal", title: "drafter" },
          tooltip: [
            { field: "label" },
            { field, type: "quantitative", format: ".3~s" },
            { field: `${field}Low`, type: "quantitative", format: ".3~s", title: "80% low" },
            { field: `${field}High`, type: "quantitative", format: ".3~s", title: "80% high" },
          ],
          description: { field: "label" },
        },
      },
      {
        data: { values: baselines },
        mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.5, color: BASELINE_COLOR },
        encoding: { y, description: { field: "baselineLabel" } },
      },
      {
        data: { values: baselines },
        // Below the rule: pick labels sit above their markers.
        mark: { type: "text", align: "right", baseline: "top", dy: 3, color: BASELINE_COLOR, fontSize: 11 },
        encoding: { x: { value: CHART_WIDTH - 4 }, y, text: { field: "baselineLabel" } },
      },
      pickErrorBarLayer(picks, x, field, objective),
      pickMarkerLayer(picks, x, y),
      ...pickLabelLayers(picks, x, y, (p) => p.k > kMax / 2),
    ],
  };
}

/** A pick's 80% interval of the chart's metric as an error bar through its marker; its description says the interval. */
function pickErrorBarLayer<X>(picks: readonly PickMarker[], x: X, field: ChartField, objective: Objective) {
  const values = picks.flatMap((p) => {
    const low = p[`${field}Low`];
    const high = p[`${field}High`];
    // A zero-width interval (verifier-only's cost has no spread) draws nothing worth a label.
    return low === null || high === null || low === high ? [] : [{ ...p, intervalLabel: `80% interval of ${p.label}: ${formatMetric(objective, low)} to ${formatMetric(objective, high)}` }];
  });
  return {
    data: { values },
    mark: { type: "errorbar" as const, ticks: true, color: PICK_COLOR, thickness: 1.5 },
    encoding: { x, y: { field: `${field}Low`, type: QUANTITATIVE, title: METRIC_TITLES[objective] }, y2: { field: `${field}High` }, description: { field: "intervalLabel" } },
  };
}

/**
 * The Pareto front over the three metrics, shown as two projections sharing the goodput axis
 * (tokens per joule, tokens per USD): front members opaque with a black outline, the
 * dominated rest faded, picks labelled. Free (unverified) configurations have no USD point.
 */
export function paretoChartSpec(selection: Selection): TopLevelSpec {
  const points = selection.candidates.map((scored) => chartPoint(selection, scored));
  const picks = pickMarkers(selection, undefined);
  const maxGoodput = Math.max(0, ...points.map((p) => p.goodput ?? 0));
  const panel = (objective: "battery" | "cost") => {
    const field = METRIC_FIELDS[objective];
    const x = { field: "goodput", type: QUANTITATIVE, title: METRIC_TITLES.latency };
    const y = { field, type: QUANTITATIVE, title: METRIC_TITLES[objective] };
    return {
      width: CHART_WIDTH / 2 + 40,
      height: CHART_HEIGHT,
      layer: [
        {
          data: { values: points.filter((p) => p[field] !== null) },
          mark: { type: POINT, filled: true, size: 50 },
          encoding: {
            x,
            y,
            color: { field: "series", type: NOMINAL, title: "drafter" },
            shape: { field: "kind", type: NOMINAL, title: "kind" },
            opacity: { condition: { test: "datum.onFront", value: 1 }, value: 0.18 },
            stroke: { condition: { test: "datum.onFront", value: "black" }, value: null },
            tooltip: [{ field: "label" }, { field: "goodput", format: ".3~s" }, { field, format: ".3~s" }],
            description: { field: "label" },
          },
        },
        pickMarkerLayer(
          picks.filter((p) => p[field] !== null),
          x,
          y,
        ),
        ...pickLabelLayers(
          picks.filter((p) => p[field] !== null),
          x,
          y,
          (p) => (p.goodput ?? 0) > maxGoodput / 2,
        ),
      ],
    };
  };
  return {
    $schema: SCHEMA,
    title: {
      text: `Pareto front: ${selection.paretoFront.length} of ${selection.candidates.length} configurations`,
      subtitle: conditionsText(selection),
    },
    background: "white",
    hconcat: [panel("battery"), panel("cost")],
  };
}

/** Picks as red diamonds; their description (the SVG's aria-label) names the objective and the configuration. */
function pickMarkerLayer<X, Y>(picks: readonly PickMarker[], x: X, y: Y) {
  return {
    data: { values: [...picks] },
    mark: { type: POINT, shape: "diamond", size: 260, filled: true, color: PICK_COLOR, stroke: "black", strokeWidth: 1 },
    encoding: { x, y, description: { field: "pickLabel" }, tooltip: [{ field: "pickLabel" }] },
  };
}

/**
 * Pick labels as two text layers: left of the marker in the right half of the plot, right of it
 * otherwise, so a label never runs off the plot (and never widens the layout).
 */
function pickLabelLayers<X, Y>(picks: readonly PickMarker[], x: X, y: Y, onRight: (pick: PickMarker) => boolean) {
  const layer = (values: PickMarker[], align: "left" | "right") => ({
    data: { values },
    mark: { type: TEXT, align, dx: align === "left" ? 9 : -9, dy: -9, color: PICK_COLOR, fontWeight: "bold" as const, fontSize: 11 },
    encoding: { x, y, text: { field: "pickLabel" } },
  });
  return [layer(picks.filter((p) => !onRight(p)), "left"), layer(picks.filter(onRight), "right")];
}

/** Per drafter, the drafter-only thread count best for the metric: one rule per drafter. */
function bestDrafterOnly(selection: Selection, objective: Objective): ScoredConfiguration[] {
  const best = new Map<string | null, ScoredConfiguration>();
  for (const scored of selection.drafterOnly) {
    const current = best.get(scored.configuration.drafterId);
    if (!current || objectiveMetric(objective, scored.prediction) > objectiveMetric(objective, current.prediction)) best.set(scored.configuration.drafterId, scored);
  }
  return [...best.values()];
}

/** Every objective's pick as a labelled point; with `only`, the label leads with that objective. */
function pickMarkers(selection: Selection, only: Objective | undefined): PickMarker[] {
  const byChoice = new Map<ChartPoint["label"], { point: ChartPoint; objectives: Objective[] }>();
  for (const objective of OBJECTIVES) {
    const { choice } = selection.picks[objective];
    const entry = byChoice.get(choice.label) ?? { point: chartPoint(selection, choice), objectives: [] };
    entry.objectives.push(objective);
    byChoice.set(choice.label, entry);
  }
  return [...byChoice.values()].map(({ point, objectives }) => {
    const ordered = only && objectives.includes(only) ? [only, ...objectives.filter((o) => o !== only)] : objectives;
    const value = only ? ` (${formatMetric(only, objectiveMetric(only, selection.picks[objectives[0]].choice.prediction))})` : "";
    return { ...point, pickLabel: `${ordered.join(" + ")} pick: ${point.label}${value}` };
  });
}

function conditionsText(selection: Selection): string {
  const c = selection.conditions;
  const rtt = selection.verifierOnly.prediction.rttMs;
  return `RTT ${formatNumber(rtt)} ms, prompt ${c.promptTokens} tokens, ${c.maxTokens} tokens per completion`;
}
