import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { configurationChartList, renderConfigurationCharts } from "../../../server/charts/configurationCharts.js";
import { ChartSchema } from "../../../server/lspContract.js";
import { formatMetric, objectiveMetric } from "../../../server/selector/objective.js";
import { selectConfigurations } from "../../../server/selector/selectConfiguration.js";
import { bestThreadsByK, chartPoint } from "../../../server/charts/chartData.js";
import { SYNTHETIC_DRAFTERS, syntheticProfile, withBootstrap } from "../../helpers/syntheticProfile.js";

const count = (svg: string, text: string) => svg.split(text).length - 1;

describe("configuration charts", async () => {
  // A near verifier and a fast device: the latency pick is speculative, cost and battery pick the baseline.
  const selection = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
  const charts = await renderConfigurationCharts(selection);
  const latency = selection.picks.latency;

  test("every chart is a standalone SVG without non-finite numbers", () => {
    for (const [name, svg] of Object.entries(charts)) {
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, name);
      assert.ok(svg.trimEnd().endsWith("</svg>"), name);
      assert.doesNotMatch(svg, /NaN|Infinity/, name);
    }
  });

  test("the metric charts draw one line per drafter, the baseline rule, and the picks", () => {
    for (const [svg, objective] of [[charts.goodput, "latency"], [charts.cost, "cost"], [charts.energy, "battery"]] as const) {
      assert.equal(count(svg, 'aria-roledescription="line mark"'), SYNTHETIC_DRAFTERS.length, objective);
      for (const drafter of SYNTHETIC_DRAFTERS) assert.ok(svg.includes(`>${drafter.id}</text>`), `${objective}: legend entry ${drafter.id}`);
      const baseline = `verifier-only: ${formatMetric(objective, selection.verifierOnly.prediction[objective === "latency" ? "goodput" : objective === "cost" ? "tokensPerUsd" : "tokensPerJoule"])}`;
      assert.ok(svg.includes(`aria-label="${baseline}"`), `${objective}: ${baseline}`);
      assert.ok(svg.includes(`>${baseline}</text>`), `${objective}: rule label`);
    }
    assert.equal(latency.choice.prediction.kind, "speculative");
    // The goodput chart labels the latency pick with its goodput (the pick itself ranks by the first line).
    const marker = `latency pick: ${latency.choice.label} (${formatMetric("latency", objectiveMetric("latency", latency.choice.prediction))})`;
    assert.ok(charts.goodput.includes(`aria-label="${marker}"`), marker);
    assert.ok(charts.goodput.includes(`>${marker}</text>`), "pick label");
    assert.ok(charts.cost.includes(`aria-label="cost + battery pick: verifier-only (${formatMetric("cost", selection.picks.cost.value)})"`));
    assert.ok(charts.energy.includes("battery + cost pick: verifier-only"));
  });

  test("the Pareto chart shows the front size and marks the picks in both projections", () => {
    assert.ok(charts.pareto.includes(`>Pareto front: ${selection.paretoFront.length} of ${selection.candidates.length} configurations</text>`));
    assert.equal(count(charts.pareto, `aria-label="latency pick: ${latency.choice.label}"`), 2);
    assert.equal(count(charts.pareto, 'aria-label="cost + battery pick: verifier-only"'), 2);
  });

  test("the chart list matches the protocol's Chart schema", async () => {
    const list = await configurationChartList(selection);
    assert.deepEqual(list.map((c) => c.id), ["goodput", "cost", "energy", "pareto", "window"]);
    for (const chart of list) assert.ok(ChartSchema.safeParse(chart).success, chart.id);
  });

  test("free unverified configurations get rules where they are finite and no USD point", async () => {
    const open = selectConfigurations(syntheticProfile(), { allowUnverified: true });
    const { cost, goodput } = await renderConfigurationCharts(open);
    // The label names the threads when more than one (configurationLabel).
    assert.doesNotMatch(cost, /alone (×\d+t )?\(unverified\):/);
    assert.match(goodput, /coder-0\.5b-q8 alone (×\d+t )?\(unverified\): [\d.]+ tok\/s/);
    assert.doesNotMatch(cost, /NaN|Infinity/);
  });
});

describe("intervals per objective", async () => {
  const selection = selectConfigurations(withBootstrap(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }), 0.1));
  const charts = await renderConfigurationCharts(selection);

  test("every speculative point carries goodput, cost and energy intervals around its prediction", () => {
    for (const objective of ["latency", "cost", "battery"] as const) {
      const points = bestThreadsByK(selection, objective);
      assert.ok(points.length > 0);
      for (const p of points) {
        for (const field of ["goodput", "tokensPerUsd", "tokensPerJoule"] as const) {
          const [low, value, high] = [p[`${field}Low`], p[field], p[`${field}High`]];
          assert.ok(low !== null && value !== null && high !== null, `${p.label} ${field}`);
          assert.ok(low <= value && value <= high, `${p.label} ${field}: ${low} ≤ ${value} ≤ ${high}`);
        }
      }
      // Spread in the replicates gives a real interval, not a point, for the drafters' configurations.
      assert.ok(points.some((p) => p.tokensPerJouleHigh! > p.tokensPerJouleLow!), objective);
    }
    // Without replicates there is no interval to draw.
    const bare = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
    assert.equal(chartPoint(bare, bare.picks.latency.choice).tokensPerUsdLow, null);
  });

  test("the cost and energy charts draw the picks' intervals as error bars beside goodput's, labelled with their ends", () => {
    const pick = chartPoint(selection, selection.picks.latency.choice);
    const expected = {
      goodput: `80% interval of ${pick.label}: ${formatMetric("latency", pick.goodputLow!)} to ${formatMetric("latency", pick.goodputHigh!)}`,
      cost: `80% interval of ${pick.label}: ${formatMetric("cost", pick.tokensPerUsdLow!)} to ${formatMetric("cost", pick.tokensPerUsdHigh!)}`,
      energy: `80% interval of ${pick.label}: ${formatMetric("battery", pick.tokensPerJouleLow!)} to ${formatMetric("battery", pick.tokensPerJouleHigh!)}`,
    };
    for (const [chart, label] of Object.entries(expected)) {
      assert.ok(charts[chart as keyof typeof expected].includes(`aria-label="${label}"`), `${chart}: ${label}`);
    }
    const bare = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
    return renderConfigurationCharts(bare).then((plain) => assert.doesNotMatch(plain.cost, /80% interval of/));
  });
});
