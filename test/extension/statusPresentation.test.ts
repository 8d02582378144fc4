import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerStatus } from "../../server/lspContract.js";
import { announcedError, escapeMarkdown, presentStatus } from "../../extension/statusPresentation.js";

const OK: ServerStatus = {
  health: "ok",
  quiescent: true,
  enabled: true,
  verifierReachable: true,
  onBattery: false,
  active: { objective: "latency", drafterId: "qwen-0.5b-q8", k: 4, source: "profile" },
  lastLatencyMs: 123.4,
};

describe("status bar presentation", () => {
  it("shows objective, drafter and K, and the last latency", () => {
    const p = presentStatus({ status: OK, objective: "latency", clientState: "running" });
    assert.equal(p.text, "$(zap) latency · qwen-0.5b-q8 K=4 · 123 ms");
    assert.equal(p.background, undefined);
    assert.match(p.tooltip, /\[Open Configuration Panel\]\(command:configspec\.openPanel\)/);
    assert.ok(p.commands.includes("configspec.openPanel"));
  });

  it("names the engine behind the endpoint and the protocol drafts go by", () => {
    const verifierProtocol = { protocol: "prefix-probe", reason: "prefix-probe: auto — …", engine: "llama-server" };
    assert.equal(presentStatus({ status: { ...OK, verifierProtocol }, objective: "latency", clientState: "running" }).text, "$(zap) latency · qwen-0.5b-q8 K=4 · llama-server/prefix-probe · 123 ms");
    assert.match(presentStatus({ status: { ...OK, verifierProtocol: { ...verifierProtocol, engine: "configspec" } }, objective: "latency", clientState: "running" }).text, / · embedded\/prefix-probe · /);
    assert.match(presentStatus({ status: { ...OK, verifierProtocol: { protocol: "echo-logprobs", reason: "set" } }, objective: "latency", clientState: "running" }).text, / · echo-logprobs · 123 ms$/);
    const verifierOnly = { ...OK, active: { ...OK.active!, drafterId: null, k: 0 }, verifierEngine: "llama-server" };
    assert.equal(presentStatus({ status: verifierOnly, objective: "cost", clientState: "running" }).text, "$(zap) cost · verifier-only · llama-server · 123 ms");
  });

  it("says which objective auto serves under the live power state", () => {
    assert.match(presentStatus({ status: { ...OK, onBattery: true }, objective: "auto", clientState: "running" }).tooltip, /Objective: auto \(on battery power: battery\)/);
    assert.match(presentStatus({ status: OK, objective: "auto", clientState: "running" }).tooltip, /Objective: auto \(on mains power: latency\)/);
  });

  it("shows the configured objective at once, before the server confirms", () => {
    assert.match(presentStatus({ status: OK, objective: "battery", clientState: "running" }).text, /^\$\(zap\) battery · /);
  });

  it("warns when the verifier is unreachable, errors on error health", () => {
    assert.equal(presentStatus({ status: { ...OK, verifierReachable: false, health: "warning" }, objective: "auto", clientState: "running" }).background, "warning");
    assert.equal(presentStatus({ status: { ...OK, verifierReachable: false }, objective: "auto", clientState: "running" }).background, "warning");
    assert.equal(presentStatus({ status: { ...OK, health: "error", message: "Engine unavailable" }, objective: "auto", clientState: "running" }).background, "error");
  });

  it("says verifier-only, off, busy and stopped", () => {
    assert.match(presentStatus({ status: { ...OK, active: { objective: "cost", drafterId: null, k: 0, source: "profile" } }, objective: "cost", clientState: "running" }).text, /verifier-only/);
    assert.equal(presentStatus({ status: { ...OK, enabled: false }, objective: "auto", clientState: "running" }).text, "$(circle-slash) ConfigSpec: off");
    assert.match(presentStatus({ status: { ...OK, quiescent: false }, objective: "auto", clientState: "running" }).text, /^\$\(loading~spin\)/);
    const stopped = presentStatus({ status: undefined, objective: "auto", clientState: "stopped" });
    assert.equal(stopped.background, "error");
    assert.match(stopped.tooltip, /command:configspec\.restartServer/);
  });

  it("escapes server text so it cannot add links", () => {
    const p = presentStatus({ status: { ...OK, message: "[click](command:workbench.action.evil)" }, objective: "auto", clientState: "running" });
    assert.ok(!p.tooltip.includes("[click](command:workbench"));
    assert.equal(escapeMarkdown("a_b*c"), "a\\_b\\*c");
  });
});

describe("announced error", () => {
  it("is the first line of an error status, and nothing otherwise", () => {
    const message = "Engine unavailable: Invalid model file /m/d.gguf: truncated\nLoading d K=4…";
    assert.equal(announcedError({ ...OK, health: "error", message }), "ConfigSpec: Engine unavailable: Invalid model file /m/d.gguf: truncated");
    assert.equal(announcedError({ ...OK, health: "warning", message: "Verifier unreachable" }), undefined);
    assert.equal(announcedError({ ...OK, health: "error" }), undefined);
  });
});
