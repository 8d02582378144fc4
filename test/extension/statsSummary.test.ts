import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StatsResult } from "../../server/lspContract.js";
import { summarizeStats } from "../../extension/statsSummary.js";

const TOTALS: StatsResult["totals"] = {
  completions: 2,
  tokens: 30,
  costUsd: 0,
  energyJ: 1,
  latencyMs: 700,
  verifierOnlyCostUsd: 0,
  verifierOnlyEnergyJ: 2,
  verifierOnlyLatencyMs: 1000,
  savedUsd: 0,
  savedJ: 1,
  savedMs: 300.4,
};
const COUNTERS: StatsResult["counters"] = {
  requests: 9,
  engineRuns: 3,
  cacheHits: 1,
  cancelled: 2,
  superseded: 3,
  served: 2,
  empty: 0,
  errors: 1,
  verifierCalls: 4,
  wastedVerifierCalls: 1,
  backgroundRuns: 1,
};

describe("completion stats summary", () => {
  it("names the configuration that served the last completion", () => {
    const text = summarizeStats({
      active: null,
      last: {
        latencyMs: 350.6,
        tokens: 12,
        rounds: 4,
        tokensPerRound: 3,
        acceptance: 0.75,
        costUsd: 0,
        energyJ: 0.5,
        stopReason: "maxTokens",
        served: { drafterId: "draft-4l-f16", k: 3, verified: true },
      },
      totals: TOTALS,
      counters: COUNTERS,
    });
    assert.match(text, /Last completion: draft-4l-f16 K=3, 12 tokens in 4 rounds, 351 ms, acceptance 0\.75\./);
    assert.match(text, /2 completions, 300 ms saved/);
    assert.match(text, /Requests: 9 \(served 2, cache hits 1, cancelled 2, superseded 3, empty 0, errors 1\)/);
  });

  it("says verifier-only and unverified, and when nothing was served", () => {
    const last = { latencyMs: 1, tokens: 1, rounds: 1, tokensPerRound: 1, acceptance: null, costUsd: 0, energyJ: 0, stopReason: "x" };
    assert.match(summarizeStats({ active: null, last: { ...last, served: { drafterId: null, k: 0, verified: true } }, totals: TOTALS, counters: COUNTERS }), /Last completion: verifier-only, 1 tokens/);
    assert.match(summarizeStats({ active: null, last: { ...last, served: { drafterId: "d", k: 1, verified: false } }, totals: TOTALS, counters: COUNTERS }), /d K=1 \(unverified\)/);
    assert.match(summarizeStats({ active: null, last: null, totals: TOTALS, counters: COUNTERS }), /No completion served yet\./);
  });

  it("counts the warm-ups while typing and what the verifier billed for them", () => {
    const warmups = { warmups: 7, failed: 0, drafterTokens: 70, verifierCalls: 5, promptTokens: 5000, cachedTokens: 4800, completionTokens: 5, costUsd: 0.0004 };
    assert.match(summarizeStats({ active: null, last: null, totals: TOTALS, counters: COUNTERS, warmups }), /Warm-ups while typing: 7 \(5 to the verifier, 5000 prompt tokens, 4800 cached, \$0\.0004\)\./);
    assert.doesNotMatch(summarizeStats({ active: null, last: null, totals: TOTALS, counters: COUNTERS }), /Warm-ups/);
  });
});
