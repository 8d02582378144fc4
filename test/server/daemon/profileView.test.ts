import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calibrationCorpusOf, profileViewOf } from "../../../server/daemon/profiling/profileView.js";
import { ProfileViewSchema } from "../../../server/lspContract.js";
import { SYNTHETIC_DRAFTERS, SYNTHETIC_K_MAX, syntheticProfile, withBootstrap } from "../../helpers/syntheticProfile.js";

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

describe("intervals and the calibration corpus in the view", () => {
  it("cost and energy per completion carry their 80% intervals beside goodput's, around the prediction", () => {
    const view = ProfileViewSchema.parse(profileViewOf(withBootstrap(syntheticProfile({ rttMs: 40, draftSpeedup: 8 }), 0.1), { allowUnverified: false, maxTokens: 64 }).view);
    const speculative = view.configurations.filter((c) => c.drafterId !== null);
    for (const c of speculative) {
      assert.ok(c.goodputInterval && c.costInterval && c.energyInterval, c.label);
      assert.ok(c.costInterval.low <= c.costUsd && c.costUsd <= c.costInterval.high, `${c.label} cost ${c.costInterval.low} ≤ ${c.costUsd} ≤ ${c.costInterval.high}`);
      assert.ok(c.energyInterval.low <= c.energyJ && c.energyJ <= c.energyInterval.high, `${c.label} energy`);
    }
    assert.ok(speculative.some((c) => c.energyInterval!.high > c.energyInterval!.low), "spread in the replicates gives a real interval");
    const plain = profileViewOf(syntheticProfile({ rttMs: 40, draftSpeedup: 8 }), { allowUnverified: false, maxTokens: 64 }).view;
    assert.ok(plain.configurations.every((c) => c.costInterval === undefined && c.energyInterval === undefined), "no replicates, no intervals");
  });

  it("says which corpus the profile was calibrated on, when the profile records it", () => {
    const profile = syntheticProfile();
    const options = { allowUnverified: false, maxTokens: 64 };
    assert.equal(profileViewOf({ ...profile, calibration: undefined }, options).view.corpus, undefined, "older profiles do not say");
    const workspace = profileViewOf({ ...profile, calibration: { corpus: "/home/me/app", prompts: 16, seed: 7 } }, options).view;
    assert.equal(workspace.corpus, "/home/me/app (16 prompts)");
    assert.equal(calibrationCorpusOf({ ...profile, calibration: { corpus: "/opt/configspec/corpus (bundled)", prompts: 16, seed: 7 } }), "the bundled sample code (16 prompts)");
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
