// The speculation window as a chart: the co-located probe's measured rows (edge and co-located
// speculation against verifier-only streaming, per RTT and drafter) and, given a profile, the
// window the selector predicts from it. Writes an SVG beside the measurements.
//   node --import tsx scripts/probe/windowChart.ts --measured bench/results/<run>/<date>-colocated.json [--profile profile.json] [--out chart.svg]
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { measuredWindowPoints, predictedWindowPoints, speculationWindowChartSpec, type WindowChartPoint } from "../../server/charts/speculationWindowChart.js";
import { renderSvg } from "../../server/charts/renderSvg.js";
import { readProfile } from "../../server/profiler/profileStore.js";
import { enumerateConfigurations } from "../../server/selector/configurationSpace.js";
import { speculationWindow } from "../../server/selector/speculationWindow.js";

const { values } = parseArgs({ options: { measured: { type: "string" }, profile: { type: "string" }, out: { type: "string" } } });
if (!values.measured) throw new Error("usage: windowChart.ts --measured <colocated.json> [--profile profile.json] [--out chart.svg]");
const MeasuredSchema = z.object({
  k: z.number(),
  rows: z.array(z.object({ rttMs: z.number(), drafterId: z.string(), verifierOnlyMs: z.number(), edgeMs: z.number(), colocatedMs: z.number() })),
});
const measured = MeasuredSchema.parse(JSON.parse(await readFile(values.measured, "utf8")));
const points: WindowChartPoint[] = measuredWindowPoints(measured.rows);
if (values.profile) {
  const profile = await readProfile(values.profile);
  const window = speculationWindow(profile, enumerateConfigurations(profile));
  points.push(...predictedWindowPoints(window));
  console.log(`predicted: speculation pays below RTT ${window.paysBelowRttMs.toFixed(0)} ms (${window.drafters.map((d) => `${d.drafterId} ${d.paysBelowRttMs.toFixed(0)}`).join(", ")})`);
}
const out = values.out ?? values.measured.replace(/\.json$/, ".svg");
await writeFile(out, await renderSvg(speculationWindowChartSpec(points, `Where speculation pays (K = ${measured.k}): first line ÷ verifier-only streaming`)));
console.log(`wrote ${out}`);
