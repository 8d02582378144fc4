import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CompletionOutput } from "../../../../server/completionContract.js";
import { ADAPT_EVERY, OnlineAdaptation, type AdaptationInput } from "../../../../server/daemon/adaptation/onlineAdaptation.js";
import { profileViewOf } from "../../../../server/daemon/profiling/profileView.js";
import { verifyMsFor } from "../../../../server/prediction/performanceModel.js";
import type { Profile } from "../../../../server/profile/profileSchema.js";
import { syntheticProfile } from "../../../helpers/syntheticProfile.js";

// Online adaptation on the synthetic profile: completions whose rounds take longer than the
// profile's verify fit (a slower network) or whose drafts are accepted less must move the pick
// the way the model says; traffic that matches the profile must not (hysteresis).
const PROMPT_TOKENS = 512;

function startingPoint(profile: Profile): AdaptationInput {
  const { view } = profileViewOf(profile, { allowUnverified: false, maxTokens: 64 });
  const pick = view.picks.latency;
  assert.notEqual(pick.drafterId, null, "the near verifier's latency pick is speculative");
  return {
    profile,
    active: { objective: "latency", drafterId: pick.drafterId, k: pick.k, threads: pick.threads, source: "profile" },
    allowUnverified: false,
    maxTokens: 64,
    onBattery: null,
  };
}

/** A served completion of `rounds` rounds whose verifier time is the profile's fit plus `rttMs` per round. */
function served(input: AdaptationInput, rttMs: number, acceptedPerRound: number, rounds = 16): CompletionOutput {
  const k = input.active.k;
  const verifyMs = verifyMsFor(input.profile.verifier.verifyMs.fit, k, PROMPT_TOKENS) * rounds;
  const accepted = Math.min(k, acceptedPerRound);
  return {
    text: "x",
    stopReason: "maxTokens",
    stats: {
      tokens: rounds * (accepted + 1),
      rounds,
      drafted: rounds * k,
      accepted: rounds * accepted,
      timings: { draftMs: rounds * k, verifyMs, networkMs: rttMs * rounds, totalMs: verifyMs + rttMs * rounds + rounds * k },
      usage: { promptTokens: PROMPT_TOKENS * rounds, cachedTokens: 0, completionTokens: rounds },
      perRound: Array.from({ length: rounds }, () => ({ drafted: k, accepted, draftMs: k, verifyMs: verifyMs / rounds, networkMs: rttMs })),
    },
    configuration: { drafterId: input.active.drafterId ?? undefined, k, verified: true },
  };
}

describe("online adaptation", () => {
  const profile = syntheticProfile({ rttMs: 5, draftSpeedup: 3 });

  test(`re-selects every ${ADAPT_EVERY} completions, and keeps the pick while traffic matches the profile`, () => {
    const input = startingPoint(profile);
    const adaptation = new OnlineAdaptation();
    const acceptedAsProfiled = Math.round(input.active.k * 0.7);
    for (let i = 1; i < ADAPT_EVERY; i++) assert.equal(adaptation.observe(served(input, 5, acceptedAsProfiled), input), undefined);
    const result = adaptation.observe(served(input, 5, acceptedAsProfiled), input);
    assert.ok(result, "a decision after the fourth completion");
    assert.equal(result.decision.switch, false, result.decision.reason);
  });

  test("a round trip that grows from 5 to 300 ms moves the pick (K grows, or the verifier alone wins)", () => {
    const input = startingPoint(profile);
    const adaptation = new OnlineAdaptation();
    let result;
    for (let i = 0; i < ADAPT_EVERY; i++) result = adaptation.observe(served(input, 300, input.active.k), input);
    assert.ok(result);
    assert.equal(result.decision.switch, true, result.decision.reason);
    assert.ok(adaptation.estimates.rttMs! > 200, `estimated RTT ${adaptation.estimates.rttMs}`);
    const next = result.view.picks.latency;
    assert.ok(next.drafterId === null || next.k > input.active.k, `new pick ${next.label} after ${input.active.k}`);
  });

  test("drafts that are rejected at once make a shorter K or another configuration win", () => {
    const input = startingPoint(profile);
    const adaptation = new OnlineAdaptation();
    let result;
    for (let i = 0; i < ADAPT_EVERY; i++) result = adaptation.observe(served(input, 5, 0), input);
    assert.ok(result);
    assert.equal(result.decision.switch, true, result.decision.reason);
    const next = result.view.picks.latency;
    assert.ok(next.drafterId !== input.active.drafterId || next.k < input.active.k, `new pick ${next.label}`);
    assert.deepEqual(adaptation.estimates.drafters?.[input.active.drafterId!]?.acceptanceCurve?.[0], 0);
  });

  test("verifier-only and unverified completions teach nothing", () => {
    const input = startingPoint(profile);
    const adaptation = new OnlineAdaptation();
    const base = served(input, 300, 0);
    for (let i = 0; i < ADAPT_EVERY * 2; i++) {
      assert.equal(adaptation.observe({ ...base, configuration: { drafterId: undefined, k: 0, verified: true } }, input), undefined);
      assert.equal(adaptation.observe({ ...base, configuration: { ...base.configuration, verified: false } }, input), undefined);
    }
    assert.equal(adaptation.estimates.rttMs, undefined);
  });

  test("every served completion is set beside its prediction: predicted vs measured so far", () => {
    const input = startingPoint(profile);
    const adaptation = new OnlineAdaptation();
    for (let i = 0; i < 3; i++) adaptation.observe(served(input, 300, input.active.k), input);
    const so = adaptation.predictedVsMeasured;
    assert.equal(so.completions, 3);
    assert.ok(so.goodputError < -0.3, `a 300 ms round trip where the profile had 5 ms: ${so.goodputError}`);
    // The synthetic profile has no bootstrap replicates: no interval, so no drift can be claimed.
    assert.ok(Number.isNaN(so.coverage));
    assert.equal(adaptation.drift, undefined);
  });
});
