// The inline completion path over a real LSP connection, with the daemon's engine replaced by
// PromptLookupCompletionSource (deterministic, model-free): served completions, stop rules,
// cache type-through, supersession, cancellation storms, stats.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { StatsRequest, type StatsResult } from "../../../server/lspContract.js";
import { CancellationTokenSource, DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { startModelsEndpoint, type ModelsEndpoint } from "../../helpers/modelsEndpoint.js";

const FUNCTIONS = "function add(a, b) {\n  return a + b;\n}\n\n";

function stats(daemon: DaemonProcess): Promise<StatsResult> {
  return daemon.connection.sendRequest(StatsRequest.type, undefined);
}

/** The completion's text, or null when there is none (or the request was cancelled). */
async function completionText(request: Promise<{ items: { insertText: string }[] } | null>): Promise<string | null> {
  try {
    const result = await request;
    return result?.items[0]?.insertText ?? null;
  } catch (error) {
    if ((error as { code?: number }).code === -32800) return null; // RequestCancelled
    throw error;
  }
}

describe("inline completion path (prompt-lookup engine)", () => {
  let daemon: DaemonProcess;
  let endpoint: ModelsEndpoint;

  before(async () => {
    endpoint = await startModelsEndpoint();
    daemon = await DaemonProcess.start({
      entry: "promptLookup",
      env: { PROMPT_LOOKUP_ROUND_MS: "30" },
      settings: { verifier: { baseUrl: endpoint.baseUrl }, drafters: ["/models/test-drafter.gguf"], debounceMs: 0 },
    });
    await daemon.waitForStatus("verifier reachable", (s) => s.verifierReachable === true);
  });
  after(async () => {
    await daemon?.stop();
    await endpoint?.close();
  });

  it("serves a completion cut to the rest of the line", async () => {
    const text = `${FUNCTIONS}function add(a, b) {\n  return`;
    await daemon.open("file:///line.ts", text);
    assert.equal(await completionText(daemon.inlineCompletion("file:///line.ts", endPositionOf(text))), " a + b;");
    const { last, counters } = await stats(daemon);
    assert.equal(counters.served, 1);
    assert.ok(last && last.tokens > 0 && last.rounds > 0 && last.tokensPerRound > 0);
    assert.equal(last.stopReason, "stopRule"); // shouldStop ended generation at the newline
    await daemon.waitForStatus("latency in status", (s) => s.lastLatencyMs !== null);
  });

  it("serves a block after an opening line, with its closing brace", async () => {
    const text = `${FUNCTIONS}function add(a, b) {`;
    await daemon.open("file:///block.ts", text);
    assert.equal(await completionText(daemon.inlineCompletion("file:///block.ts", endPositionOf(text))), "\n  return a + b;\n}");
  });

  it("answers type-through from the cache without running the engine", async () => {
    // Each test has its own text: the cache is keyed by text, not by document.
    const text = "function mul(a, b) {\n  return a * b;\n}\n\nfunction mul(a, b) {\n  return";
    await daemon.open("file:///typing.ts", text);
    // The first line is shown as soon as it is verified.
    assert.equal(await completionText(daemon.inlineCompletion("file:///typing.ts", endPositionOf(text))), " a * b;");
    const before = await stats(daemon);
    const typed = `${text} a *`;
    await daemon.replace("file:///typing.ts", typed);
    assert.equal(await completionText(daemon.inlineCompletion("file:///typing.ts", endPositionOf(typed))), " b;");
    const typedAll = `${text} a * b;`;
    await daemon.replace("file:///typing.ts", typedAll);
    // The line typed through: nothing left (alreadyTyped), or the rest of the block when the
    // background continuation has verified it by then; either way from the cache, no engine run.
    const rest = await completionText(daemon.inlineCompletion("file:///typing.ts", endPositionOf(typedAll)));
    assert.ok(rest === null || rest === "\n}", `after the typed line: ${JSON.stringify(rest)}`);
    const afterStats = await stats(daemon);
    assert.equal(afterStats.counters.engineRuns, before.counters.engineRuns);
    assert.equal(afterStats.counters.cacheHits, before.counters.cacheHits + (rest === null ? 1 : 2));
  });

  it("runs only the newest of a cancellation storm", async () => {
    await daemon.changeSettings({ ...daemon.settings, debounceMs: 50 });
    await daemon.waitForLog(/settings changed: debounceMs/);
    const base = "function sub(a, b) {\n  return a - b;\n}\n\nfunction sub(a, b) {\n  retur";
    await daemon.open("file:///storm.ts", base);
    const before = await stats(daemon);
    const sources = Array.from({ length: 12 }, () => new CancellationTokenSource());
    const requests = sources.map((source) => completionText(daemon.inlineCompletion("file:///storm.ts", endPositionOf(base), source)));
    for (const source of sources.slice(0, -1)) source.cancel();
    const results = await Promise.all(requests);
    assert.deepEqual(results.slice(0, -1), Array(11).fill(null));
    assert.equal(results.at(-1), "n a - b;");
    const afterStats = await stats(daemon);
    assert.equal(afterStats.counters.engineRuns - before.counters.engineRuns, 1, "only the newest request reached the engine");
    const dropped = afterStats.counters.cancelled + afterStats.counters.superseded - before.counters.cancelled - before.counters.superseded;
    assert.equal(dropped, 11);
    await daemon.changeSettings({ ...daemon.settings, debounceMs: 0 });
    await daemon.waitFor("debounce reset", () => daemon.logs.filter((l) => /settings changed: debounceMs/.test(l.message)).length === 2);
  });

  it("aborts a request in the engine when a newer one arrives, and when it is cancelled", async () => {
    // A long continuation: one long line of tokens (the prompt-lookup engine copies it).
    const long = `const values = [${Array.from({ length: 60 }, (_, i) => i).join(", ")}];\n`;
    const text = `${long}const values = [`;
    await daemon.open("file:///slow.ts", text);
    const position = endPositionOf(text);
    const runsBefore = (await stats(daemon)).counters.engineRuns;
    const first = daemon.inlineCompletion("file:///slow.ts", position);
    for (let i = 0; i < 100 && (await stats(daemon)).counters.engineRuns === runsBefore; i++) await delay(10);
    const started = Date.now();
    const second = new CancellationTokenSource();
    const secondRequest = daemon.inlineCompletion("file:///slow.ts", position, second);
    assert.equal(await completionText(first), null);
    assert.ok(Date.now() - started < 1000, "the superseded request ended promptly");
    await daemon.waitForLog(/no completion at file:\/\/\/slow\.ts:2:17: superseded/);
    second.cancel();
    assert.equal(await completionText(secondRequest), null);
    await daemon.waitForLog(/no completion at file:\/\/\/slow\.ts:2:17: cancelled/);
    assert.ok(daemon.alive);
  });

  it("books cost, energy and savings for served completions", async () => {
    const { totals, last, active } = await stats(daemon);
    assert.ok(totals.completions >= 3);
    assert.ok(totals.costUsd > 0 && totals.energyJ > 0);
    assert.ok(Math.abs(totals.savedUsd - (totals.verifierOnlyCostUsd - totals.costUsd)) < 1e-12, JSON.stringify(totals));
    assert.equal(last?.served.drafterId, "prompt-lookup");
    assert.equal(active?.drafterId, "test-drafter");
  });

  it("unloads the engine when completions are disabled", async () => {
    await daemon.changeSettings({ ...daemon.settings, enabled: false });
    await daemon.waitForLog(/completions disabled: unloading the models/);
    await daemon.changeSettings({ ...daemon.settings, enabled: true });
    await daemon.waitForStatus("enabled again", (s) => s.enabled);
  });
});
