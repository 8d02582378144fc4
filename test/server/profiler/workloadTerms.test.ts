import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoundObservation } from "../../../server/engine/loops/loopTypes.js";
import { verifierPrefillMsFor, verifyMsFor } from "../../../server/prediction/performanceModel.js";
import { ProfileSchema } from "../../../server/profile/profileSchema.js";
import { completionLengthOf } from "../../../server/profiler/completionLengths.js";
import { firstRoundFit } from "../../../server/profiler/firstRound.js";
import { calibrationText, missingTermNotes, workloadTermsText } from "../../../server/profiler/workloadTermsText.js";
import { syntheticProfile, syntheticProfileInput } from "../../helpers/syntheticProfile.js";

const fit = { baseMs: 20, perDraftTokenMs: 2, perPromptTokenMs: 0.01 };
const PER_TOKEN = 5;

/** A round whose draft and verify take what the fits say, plus the given extras. */
function round(k: number, contextTokens: number, extra: { draft?: number; verify?: number; firstTokenMs?: number } = {}): RoundObservation {
  const tokenMs = [extra.firstTokenMs ?? PER_TOKEN, ...Array<number>(k - 1).fill(PER_TOKEN)];
  const verifyMs = verifyMsFor(fit, k, contextTokens) + (extra.verify ?? 0);
  return {
    k,
    drafted: k,
    accepted: 1,
    contextTokens,
    drafterCatchUpTokens: 2,
    tokenMs,
    draftCallMs: tokenMs.reduce((a, b) => a + b, 0) + 1.5 + (extra.draft ?? 0),
    verifyStartMs: 1000,
    verifyEndMs: 1000 + verifyMs,
    stats: { latencyMs: verifyMs, attemptMs: verifyMs, networkMs: 0, attempts: 1, usage: { promptTokens: contextTokens + k, cachedTokens: contextTokens - 1, completionTokens: 1 } },
  };
}

describe("first round at a new cursor position", () => {
  it("is the first round's time beyond the fits over a later round's, drafting and verifying apart", () => {
    const walks = [
      // The first round's first token holds a whole prompt's prefill: left out, the prefill term prices it.
      [round(10, 500, { draft: 6, verify: 12, firstTokenMs: 400 }), round(10, 511), round(4, 515)],
      [round(4, 800, { draft: 2, verify: 8, firstTokenMs: 700 }), round(10, 805, { draft: 1, verify: 1 }), round(10, 811, { draft: 1, verify: 1 })],
    ];
    const first = firstRoundFit(walks, PER_TOKEN, fit);
    assert.ok(first);
    assert.equal(first.walks, 2);
    assert.ok(Math.abs(first.draftExtraMs - (6 + (2 - 1)) / 2) < 1e-9, `draft ${first.draftExtraMs}`);
    assert.ok(Math.abs(first.verifyExtraMs - (12 + (8 - 1)) / 2) < 1e-9, `verify ${first.verifyExtraMs}`);
  });

  it("needs a first round and a later one to compare with", () => {
    assert.equal(firstRoundFit([[round(10, 500)]], PER_TOKEN, fit), undefined);
    assert.equal(firstRoundFit([], PER_TOKEN, fit), undefined);
  });
});

describe("completion length under the stop rules", () => {
  const prefill = { baseMs: 40, perPromptTokenMs: 0.02 };
  const rtt = 25;
  const timed = (tokens: number, msPerToken: number) => ({ tokens, promptTokens: 600, ms: rtt + verifierPrefillMsFor(prefill, 600) + (tokens - 1) * msPerToken, hitBudget: false });

  it("keeps every sample and times decoding at those lengths: wall less round trip and prefill, over the tokens after the first", () => {
    const term = completionLengthOf([timed(12, 8), timed(20, 8), timed(31, 8), { tokens: 1, promptTokens: 600, ms: 90, hitBudget: false }], 64, rtt, prefill);
    assert.equal(term.samples.length, 4);
    assert.equal(term.maxTokens, 64);
    assert.ok(term.verifierOnlyMsPerToken);
    assert.ok(Math.abs(term.verifierOnlyMsPerToken.median - 8) < 1e-9);
  });

  it("leaves the decode speed out when too few completions had two tokens, and refuses none", () => {
    assert.equal(completionLengthOf([timed(12, 8), timed(3, 8)], 64, rtt, prefill).verifierOnlyMsPerToken, undefined);
    assert.throws(() => completionLengthOf([], 64, rtt, prefill), RangeError);
  });
});

describe("what a profile says of its workload terms", () => {
  it("an older profile loads, and each missing term says to re-profile", () => {
    const older = syntheticProfile();
    const notes = missingTermNotes(older);
    assert.equal(notes.length, 4);
    for (const note of notes) assert.match(note, /re-profile/);
    assert.match(calibrationText(older), /not recorded/);
    assert.deepEqual(workloadTermsText(older), []);
  });

  it("a profile with every term names its corpus and lengths, and has nothing to ask", () => {
    const input = syntheticProfileInput();
    input.calibration = { corpus: "/work/repo", prompts: 16, seed: 7 };
    input.completionLength = { maxTokens: 64, samples: [10, 14, 20, 64].map((tokens) => ({ tokens, promptTokens: 500, ms: 300, hitBudget: tokens === 64 })) };
    for (const d of input.drafters) {
      d.firstRound = { draftExtraMs: 1, verifyExtraMs: 4, walks: 16 };
      for (const p of d.threadSweep ?? []) p.measuredIn = "engineRounds";
    }
    const profile = ProfileSchema.parse(input);
    assert.deepEqual(missingTermNotes(profile), []);
    assert.equal(calibrationText(profile), "calibrated on /work/repo (16 prompts, seed 7)");
    const lines = workloadTermsText(profile);
    assert.match(lines[0], /median 20 tokens, p90 64 over 4 prompts \(1 ran to the 64-token budget\)/);
    assert.equal(lines.length, 1 + profile.drafters.length);
  });
});
