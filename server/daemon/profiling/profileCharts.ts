/**
 * The daemon's wiring point to server/charts: the configuration space as inline SVG for the
 * panel (the daemon attaches the charts to the profile view once they are drawn).
 */
import { configurationChartList } from "../../charts/configurationCharts.js";
import type { Chart } from "../../lspContract.js";
import type { Selection } from "../../selector/selectConfiguration.js";

export type RenderProfileCharts = (selection: Selection) => Promise<Chart[]>;

/**
 * vega and vega-lite stay external to the CommonJS bundle (vega-canvas has a top-level await) and
 * are loaded with a dynamic import on the first chart (server/charts/renderSvg.ts), so they ship
 * in the VSIX as node_modules (.vscodeignore keeps them).
 */
export const renderProfileCharts: RenderProfileCharts = (selection) => configurationChartList(selection);
