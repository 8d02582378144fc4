// The shipped daemon (dist/server.js, after `npm run build`) over a real LSP connection:
// everything that does not need completions from a model.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { existsSync } from "node:fs";
import { bundledFamily } from "../../helpers/bundledFamily.js";
import { GetProfileRequest, PrepareDraftersRequest, ProfileRequest, SetObjectiveRequest, StatsRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { startModelsEndpoint, type ModelsEndpoint } from "../../helpers/modelsEndpoint.js";

describe("daemon over LSP (dist/server.js)", () => {
  let daemon: DaemonProcess;
  let endpoint: ModelsEndpoint;

  before(async () => {
    endpoint = await startModelsEndpoint();
    daemon = await DaemonProcess.start({
      entry: "dist",
      settings: { verifier: { baseUrl: endpoint.baseUrl }, drafters: ["/nonexistent/drafter-a.gguf"], objective: "latency" },
    });
  });
  after(async () => {
    await daemon?.stop();
    await endpoint?.close();
  });

  it("pushes a status notification with the active configuration and a reachable verifier", async () => {
    const status = await daemon.waitForStatus("verifier reachable", (s) => s.verifierReachable === true);
    assert.equal(status.enabled, true);
    assert.deepEqual(status.active, { objective: "latency", drafterId: "drafter-a", k: 4, source: "default" });
  });

  it("switches objective on setObjective and says so in the status", async () => {
    const result = await daemon.connection.sendRequest(SetObjectiveRequest.type, { objective: "battery" });
    assert.equal(result.active.objective, "battery");
    await daemon.waitForStatus("battery status", (s) => s.active?.objective === "battery");
  });

  it("answers getProfile with no profile before the first run", async () => {
    const result = await daemon.connection.sendRequest(GetProfileRequest.type, undefined);
    assert.equal(result.profile, null);
    assert.equal(result.active?.drafterId, "drafter-a");
  });

  it("answers malformed params with an error response and stays alive", async () => {
    await assert.rejects(daemon.connection.sendRequest("textDocument/inlineCompletion", { textDocument: 5 }), (error: { code?: number }) => error.code === -32602);
    await assert.rejects(daemon.connection.sendRequest(SetObjectiveRequest.method, { objective: "speed" }), (error: { code?: number }) => error.code === -32602);
    await assert.rejects(daemon.connection.sendRequest(SetObjectiveRequest.method, "nonsense"), (error: { code?: number }) => error.code === -32602);
    await daemon.connection.sendNotification("textDocument/didOpen", { textDocument: null });
    await daemon.connection.sendNotification("textDocument/didChange", { textDocument: { uri: "file:///never-opened.ts", version: 3 }, contentChanges: [{ text: "x" }] });
    const stats = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    assert.ok(stats.counters.requests >= 0);
    assert.ok(daemon.alive);
  });

  it("offers the bundled trained family for an offline trial, with progress", async () => {
    const { drafters } = await daemon.connection.sendRequest(PrepareDraftersRequest.type, { workDoneToken: "family", source: { kind: "generated" } });
    const bundled = await bundledFamily();
    assert.deepEqual(drafters, bundled.drafters.map((d) => d.absolutePath));
    for (const path of drafters) assert.ok(existsSync(path), path);
    const kinds = daemon.progress.filter((p) => p.token === "family").map((p) => (p.value as { kind: string }).kind);
    assert.deepEqual([kinds[0], kinds.at(-1)], ["begin", "end"]);
  });

  it("answers a profile request it cannot serve with an error, not a crash", async () => {
    // Until the profiler is wired (server/daemon/profiling/profileMachine.ts) this names the seam;
    // afterwards the drafter path configured here does not exist. Either way: an error response.
    await assert.rejects(daemon.connection.sendRequest(ProfileRequest.type, {}), (error: { code?: number }) => error.code === -32803);
    assert.ok(daemon.alive);
  });

  it("names the reason when there is no completion (language disabled, unknown document)", async () => {
    const text = "some prose";
    await daemon.open("file:///notes.txt", text, "plaintext");
    assert.equal(await daemon.inlineCompletion("file:///notes.txt", endPositionOf(text)), null);
    await daemon.waitForLog(/no completion at file:\/\/\/notes\.txt:1:11: languageDisabled/);
    assert.equal(await daemon.inlineCompletion("file:///missing.ts", { line: 0, character: 0 }), null);
    await daemon.waitForLog(/no completion at file:\/\/\/missing\.ts:1:1: unknownDocument/);
  });

  it("falls back to defaults on bad settings and reports them", async () => {
    await daemon.changeSettings({ ...daemon.settings, maxTokens: "lots", enable: { "*": "yes" } });
    const status = await daemon.waitForStatus("settings warning", (s) => s.health === "warning" && /configspec\.maxTokens/.test(s.message ?? ""));
    assert.match(status.message ?? "", /configspec\.enable/);
    await daemon.waitForLog(/setting ignored: configspec\.maxTokens/);
  });

  it("reports the verifier unreachable as a warning", async () => {
    await daemon.changeSettings({ ...daemon.settings, maxTokens: 32, enable: {}, verifier: { baseUrl: "http://127.0.0.1:9/v1" } });
    const status = await daemon.waitForStatus("verifier unreachable", (s) => s.verifierReachable === false);
    assert.equal(status.health, "warning");
    assert.match(status.message ?? "", /Verifier unreachable/);
  });

  it("reports disabled completions and answers nothing", async () => {
    await daemon.changeSettings({ ...daemon.settings, enabled: false });
    await daemon.waitForStatus("disabled", (s) => s.enabled === false);
    const text = "const x = 1;";
    await daemon.open("file:///a.ts", text);
    assert.equal(await daemon.inlineCompletion("file:///a.ts", endPositionOf(text)), null);
    await daemon.waitForLog(/no completion at file:\/\/\/a\.ts:1:13: disabled/);
  });
});
