// Hostile LSP input to the shipped daemon (dist/server.js, real engine on the generated family,
// embedded verifier) over a real LSP connection: malformed params, unknown methods, broken
// frames, a 10 MB document, binary content. Each must end in an error response or a clean
// "no completion", never a dead or stuck daemon — checked by a served completion afterwards.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetProfileRequest, PrepareDraftersRequest, SetObjectiveRequest, SetVerifierApiKeyRequest, StatsRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { processRssMb } from "../../helpers/processRss.js";

const CODE = "function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return";
const INVALID_PARAMS = -32602;
const METHOD_NOT_FOUND = -32601;

function errorCode(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "number" ? error.code : undefined;
}

describe("hostile LSP input (dist/server.js, real engine)", () => {
  let daemon: DaemonProcess;

  /** A fresh document each time (the cache is keyed by text), completed by the real engine. */
  let served = 0;
  async function assertStillServes(): Promise<void> {
    const uri = `file:///alive-${served++}.ts`;
    const text = `${CODE.replace("sub", `sub${served}`)}`;
    await daemon.open(uri, text);
    const result = await daemon.inlineCompletion(uri, endPositionOf(text), undefined, 1);
    assert.ok(daemon.alive, daemon.stderr);
    assert.ok(result && result.items[0].insertText.length > 0, `a completion is still served; logs:\n${daemon.logs.slice(-5).map((l) => l.message).join("\n")}`);
  }

  before(async () => {
    const family = await modelFamilyFixture();
    const drafter = family.drafters.find((d) => d.id === "draft-8l-q8_0") ?? family.drafters[0];
    daemon = await DaemonProcess.start({
      entry: "dist",
      settings: { debounceMs: 0, maxTokens: 16, drafters: [drafter.absolutePath] },
      initializationOptions: { modelFamilyDir: family.dir },
    });
    // A request racing the initial settings finds its engine invalidated by them: wait for them.
    await daemon.waitForStatus("drafter configured", (s) => s.active?.drafterId === drafter.id);
    await assertStillServes();
  });
  after(async () => daemon?.stop());

  it("answers malformed params of every request with InvalidParams", async () => {
    const bad: [string, unknown][] = [
      ["textDocument/inlineCompletion", { textDocument: 5 }],
      ["textDocument/inlineCompletion", { textDocument: { uri: "file:///a.ts" }, position: { line: "0", character: 0 } }],
      ["textDocument/inlineCompletion", { textDocument: { uri: "file:///a.ts" }, position: { line: -1, character: 0 } }],
      ["textDocument/inlineCompletion", { textDocument: { uri: "file:///a.ts" }, position: { line: 0.5, character: 0 } }],
      ["textDocument/inlineCompletion", { textDocument: { uri: "file:///a.ts" }, position: { line: 0, character: 0 }, context: { triggerKind: "often" } }],
      ["textDocument/inlineCompletion", []],
      ["textDocument/inlineCompletion", null],
      [SetObjectiveRequest.method, { objective: 42 }],
      [SetObjectiveRequest.method, { objective: { nested: ["junk", { deeper: null }] } }],
      [SetVerifierApiKeyRequest.method, { apiKey: 12345 }],
      [SetVerifierApiKeyRequest.method, { apiKey: "" }],
      [PrepareDraftersRequest.method, { source: { kind: "download", uris: [] } }],
      [PrepareDraftersRequest.method, { source: { kind: "steal" } }],
      [GetProfileRequest.method, "profile please"],
      [StatsRequest.method, [1, 2, 3]],
    ];
    for (const [method, params] of bad) {
      await assert.rejects(daemon.connection.sendRequest(method, params), (error) => errorCode(error) === INVALID_PARAMS, `${method} ${JSON.stringify(params)}`);
    }
    await assertStillServes();
  });

  it("answers unknown methods with MethodNotFound and ignores unknown notifications", async () => {
    for (const method of ["configspec/doesNotExist", "workspace/executeCommand", "textDocument/hover", "$/unknownRequest"]) {
      await assert.rejects(daemon.connection.sendRequest(method, { x: 1 }), (error) => errorCode(error) === METHOD_NOT_FOUND, method);
    }
    for (const method of ["configspec/unknownNotification", "$/setTrace", "$/cancelRequest", "textDocument/didSave", "textDocument/didClose"]) {
      await daemon.connection.sendNotification(method, { id: "never-sent", textDocument: { uri: 7 }, junk: [null, { a: [] }] });
    }
    await daemon.connection.sendNotification("textDocument/didChange", { textDocument: { uri: "file:///never-opened.ts", version: 3 }, contentChanges: [{ range: { start: { line: 99, character: 0 }, end: { line: 0, character: 0 } }, text: "x" }] });
    await assertStillServes();
  });

  it("survives broken frames: bodies that are not JSON, not JSON-RPC, or not UTF-8", async () => {
    const frames = ["{not json", "[]", "null", '{"jsonrpc": "2.0"}', '{"jsonrpc": "2.0", "id": 1}', '{"jsonrpc": "1.0", "method": 5}'];
    for (const frame of frames) daemon.writeRawFrame(Buffer.from(frame));
    daemon.writeRawFrame(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    await assertStillServes();
  });

  it("handles a 10 MB document: opened, edited at the end, completed in bounded time", async () => {
    const line = "const value = compute(alpha, beta, gamma); // filler\n";
    const text = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)) + "function big(a, b) {\n  return";
    const rssBefore = await processRssMb(daemon.pid ?? 0);
    const started = performance.now();
    await daemon.open("file:///big.ts", text);
    const result = await daemon.inlineCompletion("file:///big.ts", endPositionOf(text), undefined, 1);
    const firstMs = performance.now() - started;
    assert.ok(result !== undefined);
    const edited = `${text} a`;
    await daemon.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: "file:///big.ts", version: 2 },
      contentChanges: [{ range: { start: endPositionOf(text), end: endPositionOf(text) }, text: " a" }],
    });
    const editStarted = performance.now();
    await daemon.inlineCompletion("file:///big.ts", endPositionOf(edited), undefined, 1);
    const editMs = performance.now() - editStarted;
    const rssAfter = await processRssMb(daemon.pid ?? 0);
    const { last } = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    console.log(
      `10 MB document: open+complete ${firstMs.toFixed(0)} ms, edit+complete ${editMs.toFixed(0)} ms ` +
        `(engine ${last?.latencyMs.toFixed(0)} ms for ${last?.tokens} tokens), daemon RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
    );
    assert.ok(firstMs < 15_000 && editMs < 5_000, "bounded: the engine sees a cut prefix, not 10 MB");
    await daemon.connection.sendNotification("textDocument/didClose", { textDocument: { uri: "file:///big.ts" } });
    await assertStillServes();
  });

  it("handles binary content: NULs, control characters, lone surrogates, invalid code points", async () => {
    const binary = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 7919) % 0xffff)).join("");
    const texts = [
      "\u0000".repeat(1000),
      `const s = "${binary}";\nfunction f() {\n  return`,
      "\ud800\udc00\ud800 lone \udfff surrogates\n\uffff\ufffe",
      "\u001b[31mred\u001b[0m\r\n\r\n\t\v\f",
    ];
    for (const [i, text] of texts.entries()) {
      const uri = `file:///binary-${i}.bin.ts`;
      await daemon.open(uri, text);
      const result = await daemon.inlineCompletion(uri, endPositionOf(text), undefined, 1);
      assert.ok(result === null || typeof result.items[0]?.insertText === "string", `document ${i}`);
      // A position past the end of such a document is clamped, not a crash.
      await daemon.inlineCompletion(uri, { line: 10_000, character: 10_000 }, undefined, 1);
    }
    await assertStillServes();
  });
});
