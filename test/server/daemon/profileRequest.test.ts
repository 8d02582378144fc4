// configspec/profile over a real LSP connection: work-done progress, cancellation, the stored
// profile, and objective switching driven by its picks. The profiler is the synthetic replay
// in test/helpers/promptLookupDaemonMain.ts.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GetProfileRequest, ProfileRequest, SetObjectiveRequest } from "../../../server/lspContract.js";
import { CancellationTokenSource, DaemonProcess } from "../../helpers/daemonProcess.js";
import { SYNTHETIC_DRAFTERS } from "../../helpers/syntheticProfile.js";

describe("configspec/profile", () => {
  let daemon: DaemonProcess;

  before(async () => {
    daemon = await DaemonProcess.start({
      entry: "promptLookup",
      env: { PROFILE_STEP_MS: "40" },
      settings: { verifier: { baseUrl: "http://127.0.0.1:9/v1" }, drafters: SYNTHETIC_DRAFTERS.map((d) => `/models/${d.id}.gguf`), objective: "latency" },
    });
    await daemon.waitForStatus("active configuration", (s) => s.active !== null);
  });
  after(async () => daemon?.stop());

  it("is cancellable, and a cancelled run stores nothing", async () => {
    const source = new CancellationTokenSource();
    const request = daemon.connection.sendRequest(ProfileRequest.type, { workDoneToken: "cancel-me" }, source.token);
    await daemon.waitFor("first progress report", () => daemon.progress.some((p) => p.token === "cancel-me"));
    source.cancel();
    await assert.rejects(request, (error: { code?: number }) => error.code === -32800);
    assert.equal(existsSync(join(daemon.storagePath, "profile.json")), false);
    assert.equal((await daemon.connection.sendRequest(GetProfileRequest.type, undefined)).profile, null);
    await daemon.waitForLog(/Profiling this machine: cancelled/);
  });

  it("reports $/progress and returns the configuration space with a pick per objective", async () => {
    const result = await daemon.connection.sendRequest(ProfileRequest.type, { workDoneToken: "run-1" });
    const kinds = daemon.progress.filter((p) => p.token === "run-1").map((p) => (p.value as { kind: string }).kind);
    assert.equal(kinds[0], "begin");
    assert.ok(kinds.includes("report"));
    assert.equal(kinds.at(-1), "end");
    const { profile, active } = result;
    assert.ok(profile.configurations.length > SYNTHETIC_DRAFTERS.length);
    assert.ok(profile.configurations.some((c) => c.drafterId === null), "the verifier-only baseline is in the space");
    assert.ok(profile.configurations.some((c) => c.onParetoFront));
    for (const objective of ["latency", "cost", "battery", "auto"] as const) assert.ok(profile.picks[objective].explanation.length > 0);
    assert.ok(profile.charts.length > 0 && profile.charts.every((chart) => chart.svg.startsWith("<svg")), "charts come with the profile");
    assert.equal(active.source, "profile");
    assert.equal(active.objective, "latency");
    assert.equal(active.drafterId, profile.picks.latency.drafterId);
    assert.notEqual(active.drafterId, null, "a fast drafter wins latency");
    assert.equal(active.threads, profile.picks.latency.threads);
    assert.ok(existsSync(join(daemon.storagePath, "profile.json")));
  });

  it("follows the profile's pick when the objective changes", async () => {
    const { profile } = await daemon.connection.sendRequest(GetProfileRequest.type, undefined);
    assert.ok(profile);
    const { active } = await daemon.connection.sendRequest(SetObjectiveRequest.type, { objective: "cost" });
    assert.deepEqual({ drafterId: active.drafterId, k: active.k }, { drafterId: profile.picks.cost.drafterId, k: profile.picks.cost.k });
    assert.equal(active.drafterId, null, "cost picks verifier-only: the prompt is billed once");
    await daemon.waitForStatus("cost status", (s) => s.active?.objective === "cost");
  });

  it("falls back to the default configuration when the picked drafter is no longer configured", async () => {
    await daemon.changeSettings({ ...daemon.settings, drafters: ["/models/other.gguf"], objective: "latency" });
    const status = await daemon.waitForStatus("stale-profile warning", (s) => /re-profile/.test(s.message ?? ""));
    assert.equal(status.active?.source, "default");
    assert.equal(status.active?.drafterId, "other");
  });
});
