/**
 * The daemon's wiring point to server/charts: the configuration space as inline SVG for the
 * panel (the daemon attaches the charts to the profile view once they are drawn).
 */
import type { Chart } from "../../protocol.js";
import type { Selection } from "../../selector/selectConfiguration.js";

export type RenderProfileCharts = (selection: Selection) => Promise<Chart[]>;

/**
 * TODO(lead): `export const renderProfileCharts: RenderProfileCharts = configurationChartList;`
 * (server/charts/configurationCharts.ts). Not yet: esbuild cannot put vega into the CJS
 * dist/server.js (vega-canvas has a top-level await), so scripts/build.mjs must keep vega and
 * vega-lite external (they then have to ship: remove them from .vscodeignore) or the daemon
 * bundle must become ESM. Tests run the real renderer through tsx (promptLookupDaemonMain.ts).
 */
export const renderProfileCharts: RenderProfileCharts = async () => [];
