import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompletionSource, WarmupInput, WarmupOutcome } from "../../../../server/completionContract.js";
import { DEFAULT_SETTINGS, type DaemonSettings } from "../../../../server/config/daemonSettings.js";
import { CacheWarmer, type WarmupRequest } from "../../../../server/daemon/cache/cacheWarmer.js";
import { verifierBillsTokens, warmupPlan } from "../../../../server/daemon/cache/warmupPolicy.js";
import type { DaemonLogger } from "../../../../server/daemon/daemonLogger.js";
import { EngineSlot } from "../../../../server/daemon/engineSlot.js";
import { createCompletionAccounting } from "../../../../server/daemon/stats/completionAccounting.js";
import { CompletionLedger } from "../../../../server/daemon/stats/completionLedger.js";
import { DEFAULT_PRICE_TABLE } from "../../../../server/prediction/priceTables.js";

const settingsWith = (verifier: Partial<DaemonSettings["verifier"]>, rest: Partial<DaemonSettings> = {}): DaemonSettings => ({
  ...structuredClone(DEFAULT_SETTINGS),
  ...rest,
  verifier: { ...DEFAULT_SETTINGS.verifier, ...verifier },
});

test("the verifier is warmed by default where it is not billed per token", () => {
  assert.equal(verifierBillsTokens(settingsWith({ baseUrl: "" })), false, "embedded");
  for (const host of ["127.0.0.1:8080", "localhost:8000", "192.168.1.20:8000", "10.0.0.5", "gpu-box:30000", "[::1]:8080", "verifier.internal"]) {
    assert.equal(verifierBillsTokens(settingsWith({ baseUrl: `http://${host}/v1`, model: "gpt-4.1-mini" })), false, host);
  }
  assert.equal(verifierBillsTokens(settingsWith({ baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" })), true);
  const free = settingsWith({ baseUrl: "https://gpu.example.com/v1", model: "mine" }, { prices: { mine: { inputPerMillion: 0, cachedInputPerMillion: 0, outputPerMillion: 0 } } });
  assert.equal(verifierBillsTokens(free), false, "priced at 0 per token (billed by the GPU hour)");

  const billed = settingsWith({ baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" });
  assert.deepEqual(warmupPlan(billed), { drafter: true, verifier: false });
  assert.deepEqual(warmupPlan({ ...billed, warmup: "on" }), { drafter: true, verifier: true });
  assert.deepEqual(warmupPlan({ ...settingsWith({ baseUrl: "" }), warmup: "off" }), { drafter: false, verifier: false });
});

/** An engine whose warm-ups wait until released, one by one. */
class GatedEngine implements CompletionSource {
  warmed: string[] = [];
  #gates: (() => void)[] = [];
  failNext = false;
  async complete(): Promise<never> {
    throw new Error("not used");
  }
  async warm(input: WarmupInput): Promise<WarmupOutcome> {
    await new Promise<void>((resolve) => this.#gates.push(resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error("verifier refused");
    }
    this.warmed.push(input.prefix);
    return { drafterTokens: input.prefix.length, ...(input.verifier && { verifier: { usage: { promptTokens: 10, cachedTokens: 8, completionTokens: 1 }, latencyMs: 5, networkMs: 0 } }), totalMs: 5 };
  }
  async release(): Promise<void> {
    while (this.#gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    this.#gates.shift()!();
  }
  async dispose(): Promise<void> {}
}

function warmerFor(engine: GatedEngine) {
  const ledger = new CompletionLedger();
  const logs: string[] = [];
  const log: DaemonLogger = { error: (m) => logs.push(m), warn: (m) => logs.push(m), info: (m) => logs.push(m), debug: (m) => logs.push(m) };
  const warmer = new CacheWarmer({ slot: new EngineSlot({ build: async () => engine }), ledger, accounting: () => createCompletionAccounting(DEFAULT_PRICE_TABLE), log });
  const request = (prefix: string, verifier = true): WarmupRequest => ({ documentKey: "a", languageId: "ts", prefix, suffix: "", maxTokens: 64, plan: { drafter: true, verifier } });
  return { warmer, ledger, logs, request };
}

test("one warm-up at a time, newest wins: edits while one runs replace the pending one", async () => {
  const engine = new GatedEngine();
  const { warmer, ledger, request } = warmerFor(engine);
  warmer.schedule(request("a"));
  for (const prefix of ["ab", "abc", "abcd"]) warmer.schedule(request(prefix));
  await engine.release();
  await engine.release();
  await warmer.idle();
  assert.deepEqual(engine.warmed, ["a", "abcd"]);
  assert.deepEqual([ledger.warmups.warmups, ledger.warmups.verifierCalls, ledger.warmups.promptTokens, ledger.warmups.drafterTokens], [2, 2, 20, 5]);
  assert.ok(ledger.warmups.costUsd > 0 && ledger.totals.costUsd === ledger.warmups.costUsd, "a billed warm-up is in the totals");
});

test("a completion drops the warm-up not yet started; a failed one is counted and logged, not thrown", async () => {
  const engine = new GatedEngine();
  const { warmer, ledger, logs, request } = warmerFor(engine);
  engine.failNext = true;
  warmer.schedule(request("a"));
  warmer.schedule(request("ab"));
  warmer.dropPending();
  await engine.release();
  await warmer.idle();
  assert.deepEqual(engine.warmed, []);
  assert.equal(ledger.warmups.failed, 1);
  assert.ok(logs.some((line) => /warm-up failed: verifier refused/.test(line)));
  warmer.schedule(request("x", false));
  await engine.release();
  await warmer.idle();
  assert.deepEqual([ledger.warmups.warmups, ledger.warmups.verifierCalls], [1, 0], "drafter only: no verifier call booked");
  warmer.dispose();
  warmer.schedule(request("y"));
  await warmer.idle();
  assert.deepEqual(engine.warmed, ["x"], "nothing after dispose");
});
