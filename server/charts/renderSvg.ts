import type { TopLevelSpec } from "vega-lite";

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");

let modules: Promise<[Vega, VegaLite]> | undefined;

/** vega and vega-lite are loaded on the first chart only: the daemon starts without them. */
function loadVega(): Promise<[Vega, VegaLite]> {
  modules ??= Promise.all([import("vega"), import("vega-lite")]);
  return modules;
}

/** Compiles a Vega-Lite spec and renders it headless (no canvas needed) to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
