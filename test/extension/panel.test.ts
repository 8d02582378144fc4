import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { panelHtml } from "../../extension/panel/panelHtml.js";
import { PanelRequestSchema, PanelStateSchema } from "../../extension/panel/panelMessages.js";

describe("configuration panel", () => {
  const html = panelHtml({ cspSource: "vscode-webview://abc", scriptUri: "vscode-webview://abc/media/panel.js", styleUri: "vscode-webview://abc/media/panel.css", nonce: "n0nce" });

  it("has a strict CSP: no inline or remote script, only our nonce", () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-n0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.match(html, /<script nonce="n0nce" src="vscode-webview:\/\/abc\/media\/panel\.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });

  it("loads nothing remote", () => {
    assert.doesNotMatch(html, /(src|href)="https?:/);
  });

  it("accepts only well-formed webview messages", () => {
    assert.deepEqual(PanelRequestSchema.parse({ type: "setObjective", objective: "cost" }), { type: "setObjective", objective: "cost" });
    for (const bad of [null, "ready", { type: "setObjective", objective: "speed" }, { type: "runCommand", command: "x" }, { type: "reprofile", extra: 1 }]) {
      const parsed = PanelRequestSchema.safeParse(bad);
      if (parsed.success) assert.deepEqual(parsed.data, { type: "reprofile" }, "unknown keys are stripped, never passed on");
    }
    assert.equal(PanelRequestSchema.safeParse({ type: "runCommand", command: "x" }).success, false);
  });

  it("describes the state it posts", () => {
    const state = { type: "state", objective: "auto", profile: null, active: null, status: null, profiling: null, error: "ConfigSpec server is not running" };
    assert.deepEqual(PanelStateSchema.parse(state), state);
  });
});
