import assert from "node:assert/strict";
import { test } from "node:test";
import { measuredWindowPoints, predictedWindowPoints, speculationWindowChartSpec } from "../../../server/charts/speculationWindowChart.js";
import { renderSvg } from "../../../server/charts/renderSvg.js";
import { enumerateConfigurations } from "../../../server/selector/configurationSpace.js";
import { speculationWindow, WINDOW_RTTS_MS } from "../../../server/selector/speculationWindow.js";
import { syntheticProfile } from "../../helpers/syntheticProfile.js";

test("the window chart plots predicted and measured first lines against verifier-only, with the break-even at 1", async () => {
  const profile = syntheticProfile({ draftSpeedup: 3 });
  const window = speculationWindow(profile, enumerateConfigurations(profile));
  const predicted = predictedWindowPoints(window);
  assert.equal(predicted.length, window.drafters.length * WINDOW_RTTS_MS.length);
  // Below the break-even RTT the ratio is under 1, above it at or over 1.
  for (const point of predicted) {
    const limit = window.drafters.find((d) => d.drafterId === point.drafterId)!.paysBelowRttMs;
    assert.equal(point.ratio < 1, point.rttMs < limit, JSON.stringify(point));
  }
  const measured = measuredWindowPoints([{ rttMs: 25, drafterId: "d", verifierOnlyMs: 50, edgeMs: 500, colocatedMs: 100 }]);
  assert.deepEqual(measured.map((p) => [p.series, p.ratio]), [["edge (measured)", 10], ["co-located (measured)", 2]]);
  const svg = await renderSvg(speculationWindowChartSpec([...predicted, ...measured]));
  assert.match(svg, /^<svg/);
  assert.match(svg, /network round trip \(ms\)/);
  assert.match(svg, /verifier-only \(below: speculation pays\)/);
});
