import type { TopLevelSpec } from "vega-lite";
import type { SpeculationWindow } from "../selector/speculationWindow.js";

/** One point of the window chart: a way of serving the first line, against verifier-only streaming at the same RTT. */
export interface WindowChartPoint {
  rttMs: number;
  drafterId: string;
  /** "edge (predicted)", "edge (measured)", "co-located (measured)". */
  series: string;
  /** ms to the first line ÷ verifier-only streaming's: below 1 it pays. */
  ratio: number;
}

/** A measured row of the co-located probe (scripts/probe/colocatedWindow.ts). */
export interface MeasuredWindowRow {
  rttMs: number;
  drafterId: string;
  verifierOnlyMs: number;
  edgeMs: number;
  colocatedMs: number;
}

export function predictedWindowPoints(window: SpeculationWindow): WindowChartPoint[] {
  return window.drafters.flatMap((drafter) =>
    drafter.points.map((point) => ({ rttMs: point.rttMs, drafterId: drafter.drafterId, series: "edge (predicted)", ratio: point.speculativeMs / point.verifierOnlyMs })),
  );
}

export function measuredWindowPoints(rows: readonly MeasuredWindowRow[]): WindowChartPoint[] {
  return rows.flatMap((row) => [
    { rttMs: row.rttMs, drafterId: row.drafterId, series: "edge (measured)", ratio: row.edgeMs / row.verifierOnlyMs },
    { rttMs: row.rttMs, drafterId: row.drafterId, series: "co-located (measured)", ratio: row.colocatedMs / row.verifierOnlyMs },
  ]);
}

/** Each series' dash (the headless renderer draws no dash swatches in legends, so the subtitle names them). */
const SERIES_DASHES = new Map<string, number[]>([
  ["co-located (measured)", [1, 0]],
  ["edge (measured)", [8, 4]],
  ["edge (predicted)", [2, 3]],
]);
const DASH_NAMES = new Map([["1,0", "solid"], ["8,4", "dashed"], ["2,3", "dotted"]]);

/**
 * The RTT × drafter window where speculation pays: time to the first line as a multiple of
 * verifier-only streaming's, by RTT, a line per drafter and series, with the break-even at 1.
 */
export function speculationWindowChartSpec(points: readonly WindowChartPoint[], title = "Where speculation pays: first line ÷ verifier-only streaming"): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: [...SERIES_DASHES.entries()].map(([series, dash]) => `${DASH_NAMES.get(dash.join())}: ${series}`).join(" · ") },
    width: 480,
    height: 300,
    layer: [
      {
        data: { values: points.map((p) => ({ ...p })) },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "rttMs", type: "quantitative", title: "network round trip (ms)" },
          y: { field: "ratio", type: "quantitative", title: "first line ÷ verifier-only (log)", scale: { type: "log" } },
          color: { field: "drafterId", type: "nominal", title: "drafter", legend: { labelLimit: 260 } },
          strokeDash: { field: "series", type: "nominal", scale: { domain: [...SERIES_DASHES.keys()], range: [...SERIES_DASHES.values()] }, legend: null },
          tooltip: [{ field: "drafterId" }, { field: "series" }, { field: "rttMs" }, { field: "ratio", format: ".2f" }],
        },
      },
      {
        data: { values: [{ ratio: 1, label: "verifier-only (below: speculation pays)" }] },
        layer: [
          { mark: { type: "rule", strokeDash: [4, 4], color: "#555555" }, encoding: { y: { field: "ratio", type: "quantitative" } } },
          { mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#555555" }, encoding: { y: { field: "ratio", type: "quantitative" }, x: { datum: 0, type: "quantitative" }, text: { field: "label" } } },
        ],
      },
    ],
  };
}
