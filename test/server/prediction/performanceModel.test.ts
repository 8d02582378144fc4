import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { drafterOnlyConfiguration, verifierOnlyConfiguration, type Configuration } from "../../../server/prediction/configuration.js";
import { InvalidConfigurationError } from "../../../server/prediction/invalidConfigurationError.js";
import {
  draftMsPerTokenFor,
  expectedTokensPerRound,
  roundSchedule,
  expectedTokensPerRoundIid,
  predict,
} from "../../../server/prediction/performanceModel.js";
import { ProfileSchema, type Profile, type ProfileInput } from "../../../server/profile/profileSchema.js";
import { validityKeyFor } from "../../../server/profiler/profileStore.js";
import { syntheticProfile } from "../../helpers/syntheticProfile.js";

/** Round numbers so every expectation below can be worked by hand. */
function handProfile(change: (input: ProfileInput) => void = () => {}): Profile {
  const machine = { cpuModel: "test", cores: 2, os: "linux", arch: "x64" };
  const input: ProfileInput = {
    schemaVersion: 1,
    createdAt: "2025-01-01T00:00:00.000Z",
    validityKey: validityKeyFor({ drafters: [{ id: "d", uri: "/m/d.gguf" }], verifierBaseUrl: "http://127.0.0.1:1/v1", verifierModel: "t", machine }),
    machine: { ...machine, onBattery: false },
    power: { source: "estimate", idleWatts: 5, draftingWatts: 15, label: "test" },
    drafters: [
      {
        id: "d",
        uri: "/m/d.gguf",
        quantization: "F16",
        parameters: 1000,
        layers: 1,
        loadMs: 1,
        memoryBytes: 1,
        prefillTokensPerSecond: 1000,
        draftMsPerToken: { median: 10, p90: 12 },
        bestThreads: 1,
        acceptanceCurve: [0.5, 0.5, 0.5, 0.5],
        acceptanceMean: 0.5,
        samples: 10,
      },
    ],
    verifier: {
      baseUrl: "http://127.0.0.1:1/v1",
      model: "t",
      protocol: "logprobs",
      rttMs: { median: 30, p90: 40 },
      verifyMs: { points: [], fit: { baseMs: 20, perDraftTokenMs: 2, perPromptTokenMs: 0 } },
      billing: { points: [], fit: { cachedInputFraction: 0.5, inputPerDraftToken: 1, completionBaseTokens: 1, completionPerDraftToken: 0 } },
      generateMsPerToken: { median: 5, p90: 6 },
      prefillMs: { baseMs: 40, perPromptTokenMs: 0 },
    },
    prices: { provider: "test", model: "t", inputPerMillion: 1, cachedInputPerMillion: 0.5, outputPerMillion: 2, asOf: "2025-01", source: "test" },
    kMax: 4,
  };
  change(input);
  return ProfileSchema.parse(input);
}

const conditions = { promptTokens: 100, maxTokens: 64 };
const spec = (k: number): Configuration => ({ drafterId: "d", k, threads: 1, verified: true });
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, found ${actual}`);

describe("expected tokens per round", () => {
  test("the per-position form equals Leviathan et al.'s closed form for a constant curve", () => {
    for (const alpha of [0, 0.3, 0.62, 0.9, 0.999, 1]) {
      for (let k = 0; k <= 12; k++) {
        close(expectedTokensPerRound(Array(12).fill(alpha), k), expectedTokensPerRoundIid(alpha, k), `α=${alpha} K=${k}`);
      }
    }
  });

  test("sums survival products and counts the bonus token", () => {
    assert.equal(expectedTokensPerRound([0.9, 0.5, 0.2], 0), 1);
    close(expectedTokensPerRound([0.9, 0.5, 0.2], 3), 1 + 0.9 + 0.45 + 0.09, "E[3]");
    assert.throws(() => expectedTokensPerRound([0.9], 2), RangeError);
  });
});

describe("predict", () => {
  // Per round as in steady state, summed over the rounds roundSchedule expects (the last ones draft fewer).
  const scheduled = (k: number, cost: (kr: number) => number) => roundSchedule([0.5, 0.5, 0.5], k, 64).roundsAtK.reduce((t, n, kr) => t + n * cost(kr), 0);

  test("speculative goodput is M / Σ rounds (K·draft + verify + RTT), with E[K] per round in steady state", () => {
    const p = predict(handProfile(), spec(2), conditions);
    const { rounds } = roundSchedule([0.5, 0.5, 0.5], 2, 64);
    close(p.rounds, rounds, "rounds");
    close(p.tokensPerRound, 64 / rounds, "tokens per round");
    // Away from the end a round yields E[2] = 1.75 tokens: the schedule is within a round of M / E[K].
    assert.ok(rounds > 64 / 1.75 && rounds < 64 / 1.75 + 1, `rounds ${rounds}`);
    const ms = scheduled(2, (kr) => kr * 10 + (20 + 2 * kr) + 30);
    close(p.completionMs, ms, "completion ms");
    close(p.goodput, (64 / ms) * 1000, "goodput");
    assert.equal(p.kind, "speculative");
    assert.equal(p.verified, true);
  });

  test("speculative cost re-sends prompt + output so far + K drafts each round, half of it cached", () => {
    const p = predict(handProfile(), spec(2), conditions);
    const context = 100 + roundSchedule([0.5, 0.5, 0.5], 2, 64).meanOutputBefore;
    const usd = scheduled(2, (kr) => ((context + kr) * 0.5 * 1 + (context + kr) * 0.5 * 0.5 + 1 * 2) / 1e6);
    close(p.usdPerToken, usd / 64, "USD per token");
    close(p.billed.outputTokens, roundSchedule([0.5, 0.5, 0.5], 2, 64).rounds, "one completion token per logprobs round");
  });

  test("predicted outputs bill K+1 output tokens per round and no drafts as input", () => {
    const profile = handProfile((i) => {
      i.verifier.protocol = "predicted-outputs";
      i.verifier.billing.fit = { cachedInputFraction: 0, inputPerDraftToken: 0, completionBaseTokens: 1, completionPerDraftToken: 1 };
    });
    const p = predict(profile, spec(3), conditions);
    const schedule = roundSchedule([0.5, 0.5, 0.5], 3, 64);
    close(p.billed.outputTokens, scheduled(3, (kr) => kr + 1), "output tokens");
    close(p.billed.inputTokens, schedule.rounds * (100 + schedule.meanOutputBefore), "input tokens");
  });

  test("speculative energy: drafting watts × drafting time + idle watts × (verify + RTT), per token", () => {
    const p = predict(handProfile(), spec(2), conditions);
    const drafting = scheduled(2, (kr) => kr * 10) / 1000;
    const waiting = scheduled(2, (kr) => 20 + 2 * kr + 30) / 1000;
    close(p.joulesPerToken, (15 * drafting + 5 * waiting) / 64, "J per token");
  });

  test("the round schedule cuts the last rounds short, as the loop does", () => {
    // All accepted, K = 10, M = 64: five rounds of 11 tokens, then 9 (k = 8: the round's own token comes on top).
    const all = roundSchedule(Array(10).fill(1), 10, 64);
    close(all.rounds, 6, "rounds");
    close(all.roundsAtK[10], 5, "full rounds");
    close(all.roundsAtK[8], 1, "last round");
    // None accepted, K = 2, M = 4: one token a round; the last two ask for fewer drafts.
    assert.deepEqual(roundSchedule([0, 0], 2, 4).roundsAtK, [1, 1, 2]);
    // Far from the end it is M / E[K].
    const long = roundSchedule([0.7, 0.7, 0.7, 0.7], 4, 10_000);
    assert.ok(Math.abs(long.rounds - 10_000 / expectedTokensPerRound([0.7, 0.7, 0.7, 0.7], 4)) < 2);
  });

  test("verifier-only streams M tokens in one request: RTT + prefill (the first token) + (M − 1)·generate", () => {
    const p = predict(handProfile(), verifierOnlyConfiguration(), conditions);
    const ms = 30 + 40 + 63 * 5;
    close(p.completionMs, ms, "completion ms");
    close(p.goodput, (64 / ms) * 1000, "goodput");
    close(p.usd, (50 * 1 + 50 * 0.5 + 64 * 2) / 1e6, "prompt once + M output");
    close(p.joulesPerToken, (5 * ms) / 1000 / 64, "idle watts throughout");
    assert.equal(p.rounds, 1);
  });

  test("drafter-only pays the per-call overhead once per drafted chunk, and drafting uses the mean per-token time", () => {
    const profile = handProfile();
    const drafter = { ...profile.drafters[0], roundOverheadMs: 2, draftMsPerToken: { median: 10, p90: 12, mean: 11 } };
    const p = predict({ ...profile, drafters: [drafter] }, drafterOnlyConfiguration("d", 1), conditions);
    // 64 tokens in 8 calls of 8 (DRAFTER_ONLY_CHUNK): 64 × 11 + 8 × 2.
    close(p.completionMs, 64 * 11 + 8 * 2, "completion ms");
  });

  test("drafter-only is 1 / draftMsPerToken, free and unverified", () => {
    const p = predict(handProfile(), drafterOnlyConfiguration("d", 1), conditions);
    close(p.goodput, 100, "tokens/s");
    assert.equal(p.verified, false);
    assert.equal(p.usd, 0);
    assert.equal(p.tokensPerUsd, Infinity);
    close(p.joulesPerToken, 15 * 0.01, "J per token");
  });

  test("an RTT override moves only the network share", () => {
    const profile = handProfile();
    const near = predict(profile, spec(2), { ...conditions, rttMs: 0 });
    const far = predict(profile, spec(2), { ...conditions, rttMs: 300 });
    close(far.time.networkMs - near.time.networkMs, 300 * far.rounds, "network ms");
    close(far.time.draftMs, near.time.draftMs, "draft ms");
    assert.equal(far.rttMs, 300);
    assert.equal(predict(profile, spec(2), conditions).rttMs, 30, "default: the profile's median");
  });

  test("a cold drafter prefill is charged once per completion", () => {
    const warm = predict(handProfile(), spec(2), conditions);
    const cold = predict(handProfile(), spec(2), { ...conditions, drafterPrefillTokens: 500 });
    close(cold.time.draftMs - warm.time.draftMs, 500, "500 tokens at 1000 tok/s");
  });

  test("dedicated verifiers billed per server second add that time's price", () => {
    const profile = handProfile((i) => {
      i.prices = { ...i.prices, inputPerMillion: 0, cachedInputPerMillion: 0, outputPerMillion: 0, perServerSecond: 0.001 };
    });
    const p = predict(profile, spec(2), conditions);
    close(p.usd, (0.001 * p.time.verifyMs) / 1000, "USD");
  });

  test("thread sweep and context buckets set the drafting speed", () => {
    const profile = handProfile((i) => {
      const d = i.drafters[0];
      d.bestThreads = 2;
      d.threadSweep = [
        { threads: 1, draftMsPerToken: { median: 18, p90: 20 }, draftingWatts: 9 },
        { threads: 2, draftMsPerToken: { median: 10, p90: 12 } },
      ];
      d.draftMsPerTokenByContext = [
        { contextTokens: 0, draftMsPerToken: { median: 8, p90: 9 } },
        { contextTokens: 1000, draftMsPerToken: { median: 12, p90: 14 } },
      ];
    });
    const drafter = profile.drafters[0];
    close(draftMsPerTokenFor(drafter, 2, 500), 10, "interpolated at bestThreads");
    close(draftMsPerTokenFor(drafter, 1, 500), 18, "scaled by the sweep");
    close(draftMsPerTokenFor(drafter, 2, 5000), 12, "clamped past the last bucket");
    const oneThread = predict(profile, { drafterId: "d", k: 1, threads: 1, verified: true }, { promptTokens: 0, maxTokens: 1 });
    close(oneThread.energy.draftingJoules, (9 * oneThread.time.draftMs) / 1000, "the sweep's watts");
  });

  test("configurations the profile cannot predict are refused with a reason", () => {
    const profile = handProfile();
    assert.throws(() => predict(profile, { drafterId: "nope", k: 1, threads: 1, verified: true }), InvalidConfigurationError);
    assert.throws(() => predict(profile, spec(5)), /kMax = 4|0\.\.4/);
    assert.throws(() => predict(profile, { drafterId: "d", k: 1, threads: 3, verified: true }), /profiled thread count/);
    assert.throws(() => predict(profile, { drafterId: null, k: 0, threads: 1, verified: false }), InvalidConfigurationError);
    assert.throws(() => predict(profile, { drafterId: "d", k: 0, threads: 1, verified: true }), InvalidConfigurationError);
  });

  test("on the synthetic laptop, speculation is priced per round: more rounds, more prompt re-sends", () => {
    const profile = syntheticProfile();
    const verifierOnly = predict(profile, verifierOnlyConfiguration());
    const speculative = predict(profile, { drafterId: "coder-7b-q4", k: 12, threads: 4, verified: true });
    assert.ok(speculative.billed.inputTokens > 5 * verifierOnly.billed.inputTokens);
    assert.ok(speculative.tokensPerUsd < verifierOnly.tokensPerUsd);
  });
});
