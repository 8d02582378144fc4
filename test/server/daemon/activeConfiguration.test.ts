import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drafterIdOf } from "../../../server/drafter/drafterSpec.js";
import { chooseActiveConfiguration, DEFAULT_K } from "../../../server/daemon/activeConfiguration.js";
import { profileViewOf } from "../../../server/daemon/profiling/profileView.js";
import { syntheticProfile } from "../../helpers/syntheticProfile.js";

describe("active configuration", () => {
  it("names drafters by file or by hf: repository and quantisation", () => {
    assert.equal(drafterIdOf("/models/draft-4l-f16.gguf"), "draft-4l-f16");
    assert.equal(drafterIdOf("hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0"), "Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0");
  });

  it("serves the first drafter with the default K before any profile, verifier-only without drafters", () => {
    const choice = chooseActiveConfiguration({ objective: "auto", onBattery: null, drafters: ["/m/a.gguf", "/m/b.gguf"], profile: null });
    assert.deepEqual(choice.active, { objective: "auto", drafterId: "a", k: DEFAULT_K, source: "default" });
    assert.equal(choice.drafter?.uriOrPath, "/m/a.gguf");
    assert.deepEqual(chooseActiveConfiguration({ objective: "auto", onBattery: null, drafters: [], profile: null }).active, { objective: "auto", drafterId: null, k: 0, source: "default" });
  });

  it("follows the profile's pick per objective, and notes a pick that is no longer configured", () => {
    const view = profileViewOf(syntheticProfile({ rttMs: 40, draftSpeedup: 8 }), { allowUnverified: false, maxTokens: 64 }).view;
    const drafters = view.configurations.flatMap((c) => (c.drafterId ? [`/m/${c.drafterId}.gguf`] : []));
    const latency = chooseActiveConfiguration({ objective: "latency", onBattery: null, drafters, profile: view });
    assert.equal(latency.active.source, "profile");
    assert.equal(latency.active.drafterId, view.picks.latency.drafterId);
    assert.equal(latency.active.k, view.picks.latency.k);
    assert.equal(latency.active.threads, view.picks.latency.threads);
    const stale = chooseActiveConfiguration({ objective: "latency", onBattery: null, drafters: ["/m/other.gguf"], profile: view });
    assert.equal(stale.active.source, "default");
    assert.match(stale.note ?? "", /re-profile/);
  });

  it("auto serves the battery pick while on battery and the latency pick otherwise", () => {
    const base = profileViewOf(syntheticProfile({ rttMs: 40, draftSpeedup: 8 }), { allowUnverified: false, maxTokens: 64 }).view;
    // Picks that differ, so the switch is visible whatever the synthetic profile's own picks are.
    const speculative = base.configurations.find((c) => c.drafterId !== null)!;
    const view = { ...base, picks: { ...base.picks, latency: { ...base.picks.latency, drafterId: speculative.drafterId, k: speculative.k, threads: speculative.threads }, battery: { ...base.picks.battery, drafterId: null, k: 0, threads: undefined } } };
    const drafters = [`/m/${speculative.drafterId}.gguf`];
    assert.equal(chooseActiveConfiguration({ objective: "auto", onBattery: true, drafters, profile: view }).active.drafterId, null);
    assert.equal(chooseActiveConfiguration({ objective: "auto", onBattery: false, drafters, profile: view }).active.drafterId, speculative.drafterId);
    assert.equal(chooseActiveConfiguration({ objective: "auto", onBattery: null, drafters, profile: view }).active.drafterId, speculative.drafterId, "cannot tell: latency");
  });
});
