// The inline completion pipeline in-process: every option is injected (documents, settings,
// engine slots, circuit), so its exits are checked without spawning a daemon.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CompletionInput, CompletionOutput, CompletionSource, WarmupInput, WarmupOutcome } from "../../../../server/completionContract.js";
import { DEFAULT_SETTINGS, type DaemonSettings } from "../../../../server/config/daemonSettings.js";
import { CompletionCache } from "../../../../server/daemon/cache/completionCache.js";
import { InlineCompletionPipeline, MIN_WAIT_TO_WARM_MS, type VerifierCircuit } from "../../../../server/daemon/completion/inlineCompletionPipeline.js";
import type { DaemonLogger } from "../../../../server/daemon/daemonLogger.js";
import { EngineSlot } from "../../../../server/daemon/engineSlot.js";
import { createCompletionAccounting } from "../../../../server/daemon/stats/completionAccounting.js";
import { CompletionLedger } from "../../../../server/daemon/stats/completionLedger.js";
import { DEFAULT_PRICE_TABLE } from "../../../../server/prediction/priceTables.js";
import { VerifierUnavailableError } from "../../../../server/verifier/verifierUnavailableError.js";

/** An engine that answers a fixed text (or throws), verified unless told otherwise. */
class FixedEngine implements CompletionSource {
  calls: CompletionInput[] = [];
  constructor(private readonly answer: string | Error, private readonly verified = true) {}
  async complete(input: CompletionInput): Promise<CompletionOutput> {
    this.calls.push(input);
    if (this.answer instanceof Error) throw this.answer;
    return {
      text: this.answer,
      stopReason: "maxTokens",
      stats: { tokens: 3, rounds: 1, drafted: 3, accepted: 2, timings: { draftMs: 1, verifyMs: 2, networkMs: 0, totalMs: 4 }, usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 1 } },
      configuration: { drafterId: "d", k: 3, verified: this.verified },
    };
  }
  async dispose(): Promise<void> {}
}

/** A FixedEngine that also warms, recording what it was asked to warm. */
class WarmingEngine extends FixedEngine {
  warmups: WarmupInput[] = [];
  async warm(input: WarmupInput): Promise<WarmupOutcome> {
    this.warmups.push(input);
    return {
      drafterTokens: 5,
      ...(input.verifier && { verifier: { usage: { promptTokens: 100, cachedTokens: 90, completionTokens: 1 }, latencyMs: 20, networkMs: 0 } }),
      totalMs: 20,
    };
  }
}

function pipelineWith(options: { engine: CompletionSource; fallback?: CompletionSource; settings?: Partial<DaemonSettings>; circuitClosed?: boolean }) {
  const documents = new Map<string, TextDocument>();
  const logs: string[] = [];
  const log: DaemonLogger = { error: (m) => logs.push(m), warn: (m) => logs.push(m), info: (m) => logs.push(m), debug: (m) => logs.push(m) };
  const failures: unknown[] = [];
  const circuit: VerifierCircuit = {
    closed: options.circuitClosed ?? true,
    recordSuccess() {},
    recordFailure: (error) => (failures.push(error), false),
  };
  const ledger = new CompletionLedger();
  const settings: DaemonSettings = { ...structuredClone(DEFAULT_SETTINGS), debounceMs: 0, ...options.settings };
  const fallbackSlot = options.fallback ? new EngineSlot({ build: async () => options.fallback! }) : undefined;
  const pipeline = new InlineCompletionPipeline({
    documents: { get: (uri) => documents.get(uri) },
    settings: () => settings,
    cache: new CompletionCache(),
    slot: new EngineSlot({ build: async () => options.engine }),
    ledger,
    accounting: () => createCompletionAccounting(DEFAULT_PRICE_TABLE),
    log,
    onServed: () => {},
    onEngineError: () => {},
    verifierCircuit: circuit,
    degradedSlot: () => fallbackSlot,
  });
  const open = (uri: string, text: string, languageId = "typescript") => documents.set(uri, TextDocument.create(uri, languageId, 1, text));
  const complete = (uri: string, line: number, character: number) => pipeline.complete({ textDocument: { uri }, position: { line, character } }, new AbortController().signal);
  return { pipeline, open, complete, logs, ledger, failures };
}

describe("inline completion pipeline (in-process)", () => {
  it("serves the engine's text at the cursor and then from the cache", async () => {
    const engine = new FixedEngine("(a, b)");
    const { open, complete, ledger } = pipelineWith({ engine });
    open("file:///a.ts", "const sum = add");
    const first = await complete("file:///a.ts", 0, 15);
    assert.equal(first?.items[0]?.insertText, "(a, b)");
    const again = await complete("file:///a.ts", 0, 15);
    assert.equal(again?.items[0]?.insertText, "(a, b)");
    assert.equal(engine.calls.length, 1);
    assert.equal(ledger.counters.cacheHits, 1);
  });

  it("names every early exit: disabled, unknown document, language off", async () => {
    const engine = new FixedEngine("x");
    const off = pipelineWith({ engine, settings: { enabled: false } });
    off.open("file:///a.ts", "let a");
    assert.equal(await off.complete("file:///a.ts", 0, 5), null);
    assert.ok(off.logs.some((l) => /: disabled/.test(l)));
    const on = pipelineWith({ engine });
    assert.equal(await on.complete("file:///missing.ts", 0, 0), null);
    assert.ok(on.logs.some((l) => /unknownDocument/.test(l)));
    on.open("file:///notes.txt", "hello", "plaintext");
    assert.equal(await on.complete("file:///notes.txt", 0, 5), null);
    assert.ok(on.logs.some((l) => /languageDisabled/.test(l)));
    assert.equal(engine.calls.length, 0);
  });

  it("falls back to the drafter alone only when unverified output is allowed", async () => {
    const down = new FixedEngine(new VerifierUnavailableError("http://127.0.0.1:9/v1", "connection refused", { attempts: 3 }));
    const strict = pipelineWith({ engine: down, fallback: new FixedEngine("()", false) });
    strict.open("file:///a.ts", "f");
    assert.equal(await strict.complete("file:///a.ts", 0, 1), null);
    assert.ok(strict.logs.some((l) => /verifierUnavailable/.test(l)));
    assert.equal(strict.failures.length, 1, "the circuit heard of the failure");
    const lenient = pipelineWith({ engine: down, fallback: new FixedEngine("()", false), settings: { allowUnverified: true } });
    lenient.open("file:///a.ts", "f");
    assert.equal((await lenient.complete("file:///a.ts", 0, 1))?.items[0]?.insertText, "()");
  });

  it("warms the prompt while the debounce decides, as configspec.warmup and the verifier's billing say, and books it", async () => {
    const cases: { settings: Partial<DaemonSettings>; verifier: boolean | null }[] = [
      { settings: {}, verifier: true }, // embedded verifier: auto warms both
      { settings: { verifier: { ...DEFAULT_SETTINGS.verifier, baseUrl: "http://127.0.0.1:8000/v1" } }, verifier: true },
      { settings: { verifier: { ...DEFAULT_SETTINGS.verifier, baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" } }, verifier: false },
      { settings: { warmup: "on", verifier: { ...DEFAULT_SETTINGS.verifier, baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" } }, verifier: true },
      { settings: { warmup: "off" }, verifier: null },
    ];
    for (const { settings, verifier } of cases) {
      const engine = new WarmingEngine("(a, b)");
      const { pipeline, open, complete, ledger } = pipelineWith({ engine, settings: { debounceMs: MIN_WAIT_TO_WARM_MS, ...settings } });
      open("file:///a.ts", "const sum = add");
      assert.equal((await complete("file:///a.ts", 0, 15))?.items[0]?.insertText, "(a, b)");
      await pipeline.warmupsIdle();
      const label = JSON.stringify(settings);
      if (verifier === null) {
        assert.equal(engine.warmups.length, 0, label);
        continue;
      }
      assert.equal(engine.warmups.length, 1, label);
      assert.deepEqual([engine.warmups[0].prefix, engine.warmups[0].verifier], ["const sum = add", verifier], label);
      assert.equal(ledger.warmups.warmups, 1);
      assert.equal(ledger.warmups.verifierCalls, verifier ? 1 : 0);
      assert.equal(ledger.warmups.promptTokens, verifier ? 100 : 0);
    }
  });

  it("no warm-up for an explicit request or a cache hit: nothing to wait for", async () => {
    const engine = new WarmingEngine("(a, b)");
    const { pipeline, open, complete } = pipelineWith({ engine, settings: { debounceMs: MIN_WAIT_TO_WARM_MS } });
    open("file:///a.ts", "const sum = add");
    await pipeline.complete({ textDocument: { uri: "file:///a.ts" }, position: { line: 0, character: 15 }, context: { triggerKind: 1 } }, new AbortController().signal);
    await complete("file:///a.ts", 0, 15);
    await pipeline.warmupsIdle();
    assert.equal(engine.warmups.length, 0);
    assert.equal(engine.calls.length, 1);
  });

  it("no warm-up when the debounce is short: a pause is likely, and the completion runs at once", async () => {
    const engine = new WarmingEngine("(a, b)");
    const { pipeline, open, complete } = pipelineWith({ engine, settings: { debounceMs: MIN_WAIT_TO_WARM_MS - 1 } });
    open("file:///a.ts", "const sum = add");
    await complete("file:///a.ts", 0, 15);
    await pipeline.warmupsIdle();
    assert.deepEqual([engine.warmups.length, engine.calls.length], [0, 1]);
  });

  it("with the circuit open, does not ask the verified engine at all", async () => {
    const engine = new FixedEngine("never");
    const { open, complete, logs } = pipelineWith({ engine, circuitClosed: false });
    open("file:///a.ts", "f");
    assert.equal(await complete("file:///a.ts", 0, 1), null);
    assert.equal(engine.calls.length, 0);
    assert.ok(logs.some((l) => /circuit open/.test(l)));
  });
});
