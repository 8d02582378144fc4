import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predictFirstLineMs } from "../../../server/prediction/firstLineLatency.js";
import { syntheticProfile, LARGEST_DRAFTER } from "../../helpers/syntheticProfile.js";

describe("first-line latency (what the typing benchmark measures)", () => {
  const profile = syntheticProfile();
  const speculative = { drafterId: LARGEST_DRAFTER, k: 4, threads: 4, verified: true };
  const verifierOnly = { drafterId: null, k: 0, threads: 1, verified: true };

  it("pays the stale prefill once, and more stale tokens cost more", () => {
    const warm = predictFirstLineMs(profile, speculative, { rttMs: 25, staleTokens: 0 });
    const stale = predictFirstLineMs(profile, speculative, { rttMs: 25, staleTokens: 200 });
    assert.ok(stale > warm, `${stale} > ${warm}`);
  });

  it("a non-streamed verifier-only request that decodes its whole budget shows nothing before it is done", () => {
    const line = predictFirstLineMs(profile, verifierOnly, { rttMs: 25, lineTokens: 14 });
    const whole = predictFirstLineMs(profile, verifierOnly, { rttMs: 25, lineTokens: 14, verifierOnlyTokens: 64 });
    assert.ok(whole > line);
  });

  it("grows with the round trip, speculation by one RTT per round", () => {
    const near = predictFirstLineMs(profile, speculative, { rttMs: 0 });
    const far = predictFirstLineMs(profile, speculative, { rttMs: 100 });
    assert.ok(far - near >= 100, `${far} − ${near}`);
  });
});
