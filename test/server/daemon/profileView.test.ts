import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { profileViewOf } from "../../../server/daemon/profiling/profileView.js";
import { ProfileViewSchema } from "../../../server/lspContract.js";
import { SYNTHETIC_DRAFTERS, SYNTHETIC_K_MAX, syntheticProfile } from "../../helpers/syntheticProfile.js";

describe("profile view", () => {
  const profile = syntheticProfile({ rttMs: 40, draftSpeedup: 8 });

  it("lists the whole configuration space as the protocol describes it", () => {
    const view = ProfileViewSchema.parse(profileViewOf(profile, { allowUnverified: false, maxTokens: 64 }).view);
    // drafters × K × 4 thread counts, plus verifier-only
    assert.equal(view.configurations.length, SYNTHETIC_DRAFTERS.length * SYNTHETIC_K_MAX * 4 + 1);
    assert.ok(view.configurations.every((c) => c.verified));
    assert.ok(view.configurations.filter((c) => c.onParetoFront).length >= 1);
    const verifierOnly = view.configurations.find((c) => c.drafterId === null);
    assert.equal(verifierOnly?.acceptance, null);
    assert.match(view.machine, /RTT 40 ms/);
  });

  it("includes drafter-only configurations only when unverified output is allowed", () => {
    const view = profileViewOf(profile, { allowUnverified: true, maxTokens: 64 }).view;
    assert.ok(view.configurations.some((c) => !c.verified));
  });

  it("picks per objective, auto following the power state", () => {
    const view = profileViewOf(profile, { allowUnverified: false, maxTokens: 64 }).view;
    assert.notEqual(view.picks.latency.drafterId, null);
    assert.equal(view.picks.cost.drafterId, null);
    // the synthetic machine is on battery: auto = battery
    assert.deepEqual(view.picks.auto, view.picks.battery);
  });
});

describe("profile charts (server/charts, as the panel embeds them)", () => {
  it("draws the configuration space as inline SVG the panel's CSP allows", async () => {
    const { configurationChartList } = await import("../../../server/charts/configurationCharts.js");
    const { selection } = profileViewOf(syntheticProfile({ rttMs: 40, draftSpeedup: 8 }), { allowUnverified: false, maxTokens: 64 });
    const charts = await configurationChartList(selection);
    assert.ok(charts.length >= 1);
    for (const chart of charts) {
      assert.match(chart.svg, /^<svg/);
      assert.doesNotMatch(chart.svg, /<script|\son\w+=|style="|<style|javascript:|https?:\/\/(?!www\.w3\.org)/i, `${chart.id}: nothing the CSP would block or that loads remotely`);
    }
  });
});
