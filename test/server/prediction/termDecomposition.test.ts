import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predict, verifierPrefillMsFor } from "../../../server/prediction/performanceModel.js";
import { decomposeCompletions, type MeasuredCompletion } from "../../../server/prediction/termDecomposition.js";
import { ProfileSchema } from "../../../server/profile/profileSchema.js";
import { SMALLEST_DRAFTER, syntheticProfileInput } from "../../helpers/syntheticProfile.js";

/** A completion of rounds at `start`: a 10 ms draft then a 30 ms verification each, the first round `firstExtra` ms longer. */
function traced(tokens: number, rounds: number, firstExtra: number): MeasuredCompletion {
  const drafts = [];
  const verifierCalls = [];
  let t = 0;
  for (let r = 0; r < rounds; r++) {
    const draftMs = 10 + (r === 0 ? firstExtra : 0);
    drafts.push({ startMs: t, endMs: t + draftMs, contextTokens: 500, tokenMs: [draftMs / 2, draftMs / 2] });
    t += draftMs;
    verifierCalls.push({ startMs: t, endMs: t + 30, kind: "verify" as const, contextTokens: 500 });
    t += 30;
  }
  return { trace: { startMs: 0, endMs: t, drafts, verifierCalls }, tokens };
}

describe("the decomposition's workload terms", () => {
  const input = syntheticProfileInput();
  input.completionLength = { maxTokens: 64, samples: [12, 20].map((tokens) => ({ tokens, promptTokens: 500, ms: 400, hitBudget: false })) };
  input.drafters[0].firstRound = { draftExtraMs: 4, verifyExtraMs: 6, walks: 8 };
  const profile = ProfileSchema.parse(input);
  const prediction = predict(profile, { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true }, { promptTokens: 500, maxTokens: 64 });

  it("sets the expected completion length under the stop rules beside the measured one", () => {
    const d = decomposeCompletions(prediction, [traced(14, 4, 0), traced(22, 5, 0)], 10);
    assert.equal(d.completionTokens.predicted, prediction.tokens);
    assert.ok(prediction.tokens > 12 && prediction.tokens < 64, `${prediction.tokens}`);
    assert.equal(d.completionTokens.measured, 18);
  });

  it("sets the profile's first-round term beside the measured extra of each completion's first round", () => {
    const d = decomposeCompletions(prediction, [traced(14, 4, 12), traced(22, 5, 8)], 10);
    assert.equal(d.terms.firstRound.predicted, 10);
    assert.equal(d.terms.firstRound.measured, 10);
  });
});

describe("the decomposition's verifier-side terms", () => {
  const profile = ProfileSchema.parse(syntheticProfileInput());
  it("sets verifier-only's prefill beside the stream's first bytes less the round trip", () => {
    const prediction = predict(profile, { drafterId: null, k: 0, threads: 1, verified: true }, { promptTokens: 600, maxTokens: 64 });
    assert.equal(prediction.verifierPrefillMs, verifierPrefillMsFor(profile.verifier.prefillMs, 600));
    const stream = (first: number): MeasuredCompletion => ({
      trace: { startMs: 0, endMs: 500, drafts: [], verifierCalls: [{ startMs: 5, endMs: 495, kind: "generate", contextTokens: 600, firstByteMs: 5 + first }] },
      tokens: 20,
    });
    const d = decomposeCompletions(prediction, [stream(90), stream(110)], 40);
    assert.equal(d.terms.prefill.predicted, prediction.verifierPrefillMs);
    assert.equal(d.terms.prefill.measured, 60);
  });

  it("sets the billing fit's cached share beside the rounds' usage", () => {
    const prediction = predict(profile, { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true }, { promptTokens: 500, maxTokens: 64 });
    const usage = (promptTokens: number, cachedTokens: number) => ({ usage: { promptTokens, cachedTokens } });
    const completion: MeasuredCompletion = {
      trace: {
        startMs: 0,
        endMs: 100,
        drafts: [],
        verifierCalls: [
          { startMs: 0, endMs: 40, kind: "verify", contextTokens: 500, stats: usage(504, 400) },
          { startMs: 50, endMs: 90, kind: "verify", contextTokens: 505, stats: usage(496, 500) },
        ],
      },
      tokens: 10,
    };
    const d = decomposeCompletions(prediction, [completion], 10);
    assert.equal(d.cachedShare.predicted, 0); // the synthetic profile's endpoint caches nothing
    assert.equal(d.cachedShare.measured, 0.9);
  });
});
