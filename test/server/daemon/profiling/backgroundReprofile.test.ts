import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CompletionOutput } from "../../../../server/completionContract.js";
import type { DaemonLogger } from "../../../../server/daemon/daemonLogger.js";
import { BackgroundReprofile } from "../../../../server/daemon/profiling/backgroundReprofile.js";
import { ProfileState, type ProfileViewInputs } from "../../../../server/daemon/profiling/profileState.js";
import type { ActiveConfiguration } from "../../../../server/lspContract.js";
import { FIRST_LINE_DRIFT_CHECKS, FIRST_LINE_WINDOW } from "../../../../server/prediction/onlineValidation.js";
import { syntheticProfile } from "../../../helpers/syntheticProfile.js";

const QUIET_MS = 5_000;
const COOLDOWN_MS = 60_000;

/** A deterministic clock: sleeping moves it forward at once. */
function harness(run: (signal: AbortSignal, onProgress: (message: string) => void) => Promise<void>) {
  let now = 0;
  const status: (string | undefined)[] = [];
  const logs: string[] = [];
  const sleeps: number[] = [];
  const log: DaemonLogger = { error: (m) => logs.push(m), warn: (m) => logs.push(m), info: (m) => logs.push(m), debug() {} };
  const reprofile = new BackgroundReprofile({
    run,
    status: (message) => status.push(message),
    log,
    quietMs: QUIET_MS,
    cooldownMs: COOLDOWN_MS,
    now: () => now,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  });
  return { reprofile, status, logs, sleeps, advance: (ms: number) => (now += ms) };
}

/** A run that waits for `release` or for its signal. */
function gatedRun() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  const run = async (signal: AbortSignal, onProgress: (message: string) => void) => {
    started++;
    onProgress("measuring the drafters");
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      void gate.then(resolve);
    });
  };
  return { run, release: () => release(), started: () => started };
}

describe("background re-profiling", () => {
  test("starts after a quiet moment, says so in the status while it runs, and clears it when done", async () => {
    const gated = gatedRun();
    const h = harness(gated.run);
    h.reprofile.served();
    h.advance(2_000);
    assert.equal(h.reprofile.request("the first line came 80% slower than predicted"), true);
    assert.equal(h.reprofile.running, true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.sleeps, [QUIET_MS - 2_000], "waits out the rest of the quiet period");
    assert.equal(gated.started(), 1);
    assert.deepEqual(h.status, [
      "re-profiling: predictions drifted (the first line came 80% slower than predicted)",
      "re-profiling: predictions drifted (the first line came 80% slower than predicted): measuring the drafters",
    ]);
    assert.equal(h.reprofile.request("again"), false, "one at a time");
    gated.release();
    await h.reprofile.settled;
    assert.equal(h.reprofile.running, false);
    assert.equal(h.status.at(-1), undefined);
    assert.ok(h.logs.some((l) => /new profile is in use/.test(l)));
  });

  test("cancel stops it mid-run: the status is cleared and the current profile stays", async () => {
    const gated = gatedRun();
    const h = harness(gated.run);
    h.reprofile.request("drift");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gated.started(), 1);
    await h.reprofile.cancel();
    assert.equal(h.reprofile.running, false);
    assert.equal(h.status.at(-1), undefined);
    assert.ok(h.logs.some((l) => /cancelled: the current profile stays/.test(l)), h.logs.join("\n"));
  });

  test("cancelled while waiting for the quiet moment, it never profiles", async () => {
    const gated = gatedRun();
    const h = harness(gated.run);
    h.reprofile.served();
    h.reprofile.request("drift");
    await h.reprofile.cancel();
    assert.equal(gated.started(), 0);
  });

  test("at most one re-profile per cooldown, so a drift the model cannot capture does not loop", async () => {
    const gated = gatedRun();
    gated.release();
    const h = harness(gated.run);
    assert.equal(h.reprofile.request("drift"), true);
    await h.reprofile.settled;
    h.advance(COOLDOWN_MS / 2);
    assert.equal(h.reprofile.request("drift"), false);
    assert.ok(h.logs.some((l) => /keeping the profile/.test(l)));
    h.advance(COOLDOWN_MS);
    assert.equal(h.reprofile.request("drift"), true);
    await h.reprofile.settled;
    assert.equal(gated.started(), 2);
  });

  test("while the user's own profile is measured, a running re-profile is cancelled and no new one starts", async () => {
    const gated = gatedRun();
    const h = harness(gated.run);
    h.reprofile.request("drift");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gated.started(), 1);
    const resume = await h.reprofile.pause();
    assert.equal(h.reprofile.running, false, "the background run was cancelled");
    h.advance(2 * COOLDOWN_MS);
    assert.equal(h.reprofile.request("drift"), false);
    assert.ok(h.logs.some((l) => /while a profile is being measured/.test(l)));
    resume();
    resume(); // twice is once
    assert.equal(h.reprofile.request("drift"), true);
    await h.reprofile.cancel();
  });

  test("a failed re-profile is logged and never thrown", async () => {
    const h = harness(async () => {
      throw new Error("verifier unreachable");
    });
    h.reprofile.request("drift");
    await h.reprofile.settled;
    assert.ok(h.logs.some((l) => /failed, the current profile stays: verifier unreachable/.test(l)));
    assert.equal(h.status.at(-1), undefined);
  });

  test("a persistent first-line drift re-profiles while completions keep being served from the current profile", async () => {
    const profile = syntheticProfile({ rttMs: 5, draftSpeedup: 3 });
    const inputs: ProfileViewInputs = { allowUnverified: false, maxTokens: 64, onBattery: null, protocol: "auto" };
    const quiet: DaemonLogger = { error() {}, warn() {}, info() {}, debug() {} };
    const gated = gatedRun();
    const h = harness(async (signal, onProgress) => {
      await gated.run(signal, onProgress);
      state.replace(syntheticProfile({ rttMs: 300, draftSpeedup: 3 }), inputs);
    });
    const warnings: string[] = [];
    const state: ProfileState = new ProfileState({ renderProfileCharts: async () => [], log: { ...quiet, warn: (m) => warnings.push(m) }, reprofile: h.reprofile });
    state.replace(profile, inputs);
    const before = state.servingView;
    assert.ok(before);
    const pick = before.picks.latency;
    const active: ActiveConfiguration = { objective: "latency", drafterId: pick.drafterId, k: pick.k, threads: pick.threads, source: "profile" };
    const slow = () => slowCompletion(pick.drafterId, pick.k);
    for (let i = 0; i < FIRST_LINE_WINDOW + FIRST_LINE_DRIFT_CHECKS - 1; i++) {
      state.observe(slow(), active, inputs);
      state.served();
    }
    assert.equal(warnings.filter((w) => /first line came/.test(w)).length, 1, "the drift is reported once the window's median stayed off for the consecutive checks");
    assert.equal(h.reprofile.running, true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gated.started(), 1);
    assert.match(h.status.at(-1) ?? "", /^re-profiling: predictions drifted \(the first line came \d+% slower/);
    // While it runs, serving still has the profile's view and takes completions in.
    for (let i = 0; i < 5; i++) {
      state.observe(slow(), active, inputs);
      assert.ok(state.servingView, "completions are still picked from the current profile");
    }
    assert.equal(state.profile, profile);
    gated.release();
    await h.reprofile.settled;
    assert.notEqual(state.profile, profile, "the new profile replaced the old once measured");
    assert.equal(h.status.at(-1), undefined);
  });
});

test("with configspec.profiling.reprofileOnDrift off, a drift is logged and nothing re-profiles", async () => {
  const gated = gatedRun();
  const h = harness(gated.run);
  const logs: string[] = [];
  const log: DaemonLogger = { error() {}, warn: (m) => logs.push(m), info: (m) => logs.push(m), debug() {} };
  const state = new ProfileState({ renderProfileCharts: async () => [], log, reprofile: h.reprofile, reprofileAllowed: () => false });
  const inputs: ProfileViewInputs = { allowUnverified: false, maxTokens: 64, onBattery: null, protocol: "auto" };
  state.replace(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }), inputs);
  const pick = state.servingView!.picks.latency;
  const active: ActiveConfiguration = { objective: "latency", drafterId: pick.drafterId, k: pick.k, threads: pick.threads, source: "profile" };
  for (let i = 0; i < FIRST_LINE_WINDOW + FIRST_LINE_DRIFT_CHECKS; i++) state.observe(slowCompletion(pick.drafterId, pick.k), active, inputs);
  assert.ok(logs.some((l) => /reprofileOnDrift is off/.test(l)), logs.join("\n"));
  assert.equal(h.reprofile.running, false);
  assert.equal(gated.started(), 0);
});

/** Every round's verifier call takes 2 s: far beyond any prediction on a 5 ms link. */
function slowCompletion(drafterId: string | null, k: number): CompletionOutput {
  const rounds = 8;
  return {
    text: "const answer = 42;\nreturn answer;\n",
    stopReason: "maxTokens",
    stats: {
      tokens: rounds * 2,
      rounds,
      drafted: rounds * k,
      accepted: rounds,
      timings: { draftMs: rounds, verifyMs: rounds * 2_000, networkMs: 0, totalMs: rounds * 2_001 },
      usage: { promptTokens: 512 * rounds, cachedTokens: 0, completionTokens: rounds },
      perRound: Array.from({ length: rounds }, () => ({ drafted: k, accepted: 1, draftMs: 1, verifyMs: 2_000, networkMs: 0 })),
    },
    configuration: { drafterId: drafterId ?? undefined, k, verified: true },
  };
}
