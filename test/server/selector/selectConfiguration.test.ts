import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dominates } from "../../../server/selector/paretoFront.js";
import { enumerateConfigurations } from "../../../server/selector/configurationSpace.js";
import { OBJECTIVES, resolveObjective, selectionMetric, type Objective } from "../../../server/selector/objective.js";
import { pickFor, selectConfigurations } from "../../../server/selector/selectConfiguration.js";
import { bestFor, type ScoredConfiguration } from "../../../server/selector/scoredConfiguration.js";
import { LARGEST_DRAFTER, SMALLEST_DRAFTER, SYNTHETIC_DRAFTERS, SYNTHETIC_K_MAX, syntheticProfile, withBootstrap } from "../../helpers/syntheticProfile.js";

const metrics = (c: ScoredConfiguration) => [c.prediction.goodput, c.prediction.tokensPerUsd, c.prediction.tokensPerJoule];

/** The highest steady-state goodput (what the research's latency figures are). */
function bestGoodput(candidates: readonly ScoredConfiguration[]): ScoredConfiguration | undefined {
  return candidates.reduce<ScoredConfiguration | undefined>((best, c) => (!best || c.prediction.goodput > best.prediction.goodput ? c : best), undefined);
}

/** The best speculative configuration: the space the research explored (no baselines). */
function bestSpeculative(candidates: readonly ScoredConfiguration[], objective: Objective): ScoredConfiguration {
  const best = bestFor(candidates.filter((c) => c.prediction.kind === "speculative"), objective);
  assert.ok(best, "no speculative candidate");
  return best;
}

describe("configuration space", () => {
  test("drafters × K 1..kMax × profiled threads, the verifier-only baseline, drafter-only when allowed", () => {
    const profile = syntheticProfile();
    const speculative = SYNTHETIC_DRAFTERS.length * SYNTHETIC_K_MAX * 4;
    assert.equal(enumerateConfigurations(profile).length, speculative + 1);
    const withUnverified = enumerateConfigurations(profile, { allowUnverified: true });
    assert.equal(withUnverified.length, speculative + 1 + SYNTHETIC_DRAFTERS.length * 4);
    assert.equal(enumerateConfigurations(profile).filter((c) => !c.verified).length, 0);
  });
});

describe("selection", () => {
  test("each pick maximises its objective's metric over every candidate", () => {
    const selection = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
    for (const objective of OBJECTIVES) {
      const max = Math.max(...selection.candidates.map((c) => selectionMetric(objective, c)));
      assert.equal(selection.picks[objective].value, max, objective);
    }
  });

  test("auto means battery on battery power, latency otherwise or when unknown", () => {
    assert.equal(resolveObjective("auto", true), "battery");
    assert.equal(resolveObjective("auto", false), "latency");
    assert.equal(resolveObjective("auto", null), "latency");
    assert.equal(resolveObjective("cost", true), "cost");
    const selection = selectConfigurations(syntheticProfile({ onBattery: true }));
    assert.equal(pickFor(selection, "auto").objective, "battery");
    assert.equal(pickFor(selection, "auto", false).objective, "latency");
  });

  test("the Pareto front holds exactly the non-dominated configurations, picks included", () => {
    const selection = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
    const front = new Set(selection.paretoFront);
    assert.ok(front.size > 1 && front.size < selection.candidates.length);
    for (const candidate of selection.candidates) {
      const dominated = selection.candidates.some((other) => dominates(metrics(other), metrics(candidate)));
      assert.equal(front.has(candidate), !dominated, candidate.label);
    }
    for (const objective of OBJECTIVES) assert.ok(front.has(selection.picks[objective].choice), objective);
  });

  test("drafter-only is offered only when unverified output is allowed, and then says so", () => {
    const profile = syntheticProfile();
    assert.equal(selectConfigurations(profile).drafterOnly.length, 0);
    const selection = selectConfigurations(profile, { allowUnverified: true });
    assert.equal(selection.picks.cost.choice.prediction.kind, "drafter-only");
    assert.match(selection.picks.cost.explanation, /NOT verified/);
  });
});

test("a profile without drafters still selects, and says why", () => {
  const profile = { ...syntheticProfile(), drafters: [] };
  const selection = selectConfigurations(profile, { allowUnverified: true });
  assert.equal(selection.candidates.length, 1);
  for (const objective of OBJECTIVES) {
    assert.equal(selection.picks[objective].choice, selection.verifierOnly);
    assert.match(selection.picks[objective].explanation, /no drafter is profiled/);
  }
});

describe("the network is part of the model", () => {
  test("the goodput-optimal K grows with the round trip", () => {
    const rtts = [0, 10, 20, 40, 80, 160, 320];
    const bestK = (rttMs: number, drafterId?: string) => {
      const { candidates } = selectConfigurations(syntheticProfile(), { conditions: { rttMs } });
      const pool = candidates.filter((c) => c.prediction.kind === "speculative" && (drafterId === undefined || c.configuration.drafterId === drafterId));
      const best = bestGoodput(pool);
      assert.ok(best);
      return best.configuration.k;
    };
    for (const drafterId of [SMALLEST_DRAFTER, LARGEST_DRAFTER, undefined]) {
      const ks = rtts.map((rtt) => bestK(rtt, drafterId));
      for (let i = 1; i < ks.length; i++) assert.ok(ks[i] >= ks[i - 1], `${drafterId ?? "overall"}: K by RTT ${ks.join(", ")}`);
      assert.ok(ks[ks.length - 1] > ks[0], `${drafterId ?? "overall"}: K by RTT ${ks.join(", ")}`);
    }
  });

  test("the baselines are in the choice: a near verifier loses latency to drafting, a far one wins it", () => {
    const near = selectConfigurations(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }));
    assert.equal(near.picks.latency.choice.prediction.kind, "speculative");
    assert.match(
      near.picks.latency.explanation,
      /^coder-0\.5b-q8 K=\d+ ×\dt: first verified line in [\d.]+ ms, [\d.]+× verifier-only streaming it \([\d.]+ ms\); .*; for a ~14-token line at a pause, 8 tokens typed since the caches were warmed, RTT 5 ms; speculation pays below RTT \d+ ms on this endpoint; the measured 5 ms is inside that window\.$/,
    );
    const far = selectConfigurations(syntheticProfile({ rttMs: 160, draftSpeedup: 3 }));
    assert.equal(far.picks.latency.choice.prediction.kind, "verifier-only");
    assert.match(far.picks.latency.explanation, /^verifier-only: first verified line in [\d.]+ ms.*× the best speculative .*streamed, the line arrives after one round trip/);
  });

  test("the latency pick is the soonest predicted first line, within its interval, not the highest goodput", () => {
    const selection = selectConfigurations(withBootstrap(syntheticProfile({ rttMs: 5, draftSpeedup: 3 }), 0.3));
    const pick = selection.picks.latency.choice;
    assert.match(selection.picks.latency.explanation, /first verified line in [\d.]+ ms \(80%: [\d.]+–[\d.]+\)/);
    const soonest = Math.min(...selection.candidates.map((c) => c.firstLine.ms));
    assert.equal(pick.firstLine.ms, soonest);
    const { interval } = pick.firstLine;
    assert.ok(interval && interval.low <= pick.firstLine.ms && pick.firstLine.ms <= interval.high, JSON.stringify(interval));
    assert.equal(pick.firstLine.conditions.rttMs, 5);
    // Steady state over 64 tokens favours longer drafts than a ~14-token line does.
    const goodputBest = bestGoodput(selection.candidates.filter((c) => c.prediction.kind === "speculative"));
    assert.ok(goodputBest && goodputBest.configuration.k >= pick.configuration.k, `${goodputBest?.label} vs ${pick.label}`);
  });
});

describe("the research's qualitative findings on the synthetic laptop (RTT 40 ms)", () => {
  const laptop = selectConfigurations(syntheticProfile());
  const fastDevice = selectConfigurations(syntheticProfile({ draftSpeedup: 3 }));

  test("goodput: the smallest drafter at a device-dependent K between 2 and 10", () => {
    const cpu = bestGoodput(laptop.candidates.filter((c) => c.prediction.kind === "speculative"))!.configuration;
    const gpu = bestGoodput(fastDevice.candidates.filter((c) => c.prediction.kind === "speculative"))!.configuration;
    assert.equal(cpu.drafterId, SMALLEST_DRAFTER);
    assert.equal(gpu.drafterId, SMALLEST_DRAFTER);
    for (const k of [cpu.k, gpu.k]) assert.ok(k >= 2 && k <= 10, `K=${k}`);
    assert.ok(gpu.k > cpu.k, `faster drafting affords a longer draft: ${gpu.k} vs ${cpu.k}`);
  });

  test("energy: K = 2 with the smallest drafter", () => {
    const best = bestSpeculative(laptop.candidates, "battery").configuration;
    assert.equal(best.drafterId, SMALLEST_DRAFTER);
    assert.equal(best.k, 2);
  });

  test("cost: the largest drafter — but at kMax, not K = 2, under per-token billing", () => {
    // Every round re-sends the prompt, so cost per token falls as long as another draft
    // position is ever accepted: the research's K = 2 for cost does not carry over to
    // per-token API prices (see the report). The drafter preference does.
    const best = bestSpeculative(laptop.candidates, "cost").configuration;
    assert.equal(best.drafterId, LARGEST_DRAFTER);
    assert.equal(best.k, SYNTHETIC_K_MAX);
  });

  test("and with the baselines in the choice, streaming from the verifier wins all three here", () => {
    for (const objective of OBJECTIVES) assert.equal(laptop.picks[objective].choice.prediction.kind, "verifier-only", objective);
    assert.match(laptop.picks.cost.explanation, /prompt is billed once/);
  });
});
