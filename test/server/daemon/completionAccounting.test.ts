import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCompletionAccounting, priceTableFor } from "../../../server/daemon/stats/completionAccounting.js";
import type { CompletionStats } from "../../../server/completionContract.js";

// Timings as CompletionTimings defines them: draft, verify (emulated network already taken out)
// and network do not overlap, and add up to the total here.
const STATS: CompletionStats = {
  tokens: 40,
  rounds: 10,
  drafted: 40,
  accepted: 30,
  timings: { draftMs: 200, verifyMs: 200, networkMs: 300, totalMs: 700 },
  usage: { promptTokens: 11_000, cachedTokens: 10_000, completionTokens: 10 },
};

describe("completion accounting", () => {
  it("prices with the model's list price and the user's overrides", () => {
    assert.equal(priceTableFor("gpt-4o-mini", {}).inputPerMillion, 0.15);
    assert.equal(priceTableFor("gpt-4o-mini", { "gpt-4o-mini": { inputPerMillion: 1 } }).inputPerMillion, 1);
    assert.equal(priceTableFor("gpt-4o-mini", { "gpt-4o-mini": { inputPerMillion: 1 } }).outputPerMillion, 0.6);
    assert.ok(priceTableFor("my-local-model", {}).inputPerMillion > 0, "unknown models are costed at the default table");
  });

  it("books cost, energy and the verifier-only baseline from the engine's stats", () => {
    const price = { ...priceTableFor("gpt-4o-mini", {}), perServerSecond: 0 };
    const accounting = createCompletionAccounting(price, { draftingW: 10, waitingW: 2 });
    const actual = accounting.actual(STATS);
    assert.ok(Math.abs(actual.costUsd - (1000 * 0.15 + 10_000 * 0.075 + 10 * 0.6) / 1e6) < 1e-15);
    assert.ok(Math.abs(actual.energyJ - (0.2 * 10 + 0.5 * 2)) < 1e-12);
    const baseline = accounting.verifierOnly(STATS);
    // one 30 ms round trip + 40 tokens × 20 ms per step
    assert.ok(Math.abs(baseline.latencyMs - (30 + 40 * 20)) < 1e-9);
    assert.ok(Math.abs(baseline.costUsd - (1100 * 0.15 + 40 * 0.6) / 1e6) < 1e-15);
  });

  it("charges server seconds for the verifier's time once: the network delay is not in verifyMs, so it is not taken off again", () => {
    const price = { ...priceTableFor("gpt-4o-mini", {}), perServerSecond: 0.01 };
    const tokensOnly = createCompletionAccounting({ ...price, perServerSecond: 0 }).actual(STATS).costUsd;
    const actual = createCompletionAccounting(price).actual(STATS).costUsd;
    // 200 ms of verifier time at $0.01/s (the old copy charged max(0, 200 − 300) ms = nothing)
    assert.ok(Math.abs(actual - tokensOnly - 0.01 * 0.2) < 1e-12, `${actual - tokensOnly}`);
  });
});
