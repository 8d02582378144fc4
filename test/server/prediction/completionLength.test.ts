import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completionLengths } from "../../../server/prediction/completionLength.js";
import { predictFirstLineMs } from "../../../server/prediction/firstLineLatency.js";
import { predict, roundSchedule, verifierPrefillMsFor } from "../../../server/prediction/performanceModel.js";
import { DRAFTER_ONLY_CHUNK } from "../../../server/engine/loops/singleModelModes.js";
import { ProfileSchema, type Profile, type ProfileInput } from "../../../server/profile/profileSchema.js";
import { SMALLEST_DRAFTER, syntheticProfileInput } from "../../helpers/syntheticProfile.js";

const verifierOnly = { drafterId: null, k: 0, threads: 1, verified: true };
const drafterOnly = { drafterId: SMALLEST_DRAFTER, k: 0, threads: 4, verified: false };
const speculative = { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true };
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, found ${actual}`);

function profileWith(change: (input: ProfileInput) => void): Profile {
  const input = syntheticProfileInput();
  change(input);
  return ProfileSchema.parse(input);
}

const sample = (tokens: number, hitBudget = false) => ({ tokens, promptTokens: 500, ms: 100, hitBudget });
const withLengths = (tokens: readonly number[], extra: Partial<NonNullable<ProfileInput["completionLength"]>> = {}) =>
  profileWith((p) => {
    p.completionLength = { maxTokens: 64, samples: tokens.map((t) => sample(t, t >= 64)), ...extra };
  });

describe("round schedule under a stop rule", () => {
  it("keeps drafting K until a round passes the stop, and counts the round's overshoot", () => {
    const certain = Array(4).fill(1);
    const at10 = roundSchedule(certain, 4, 64, 10);
    assert.equal(at10.rounds, 2); // 0 → 5 → 10
    assert.equal(at10.tokens, 10);
    const at11 = roundSchedule(certain, 4, 64, 11);
    assert.equal(at11.rounds, 3); // 0 → 5 → 10 → 15: the third round passes 11
    assert.equal(at11.tokens, 15);
    const never = roundSchedule(Array(4).fill(0), 4, 64, 10);
    assert.equal(never.rounds, 10);
    assert.equal(never.tokens, 10);
  });

  it("without a stop it is the budget's schedule, every completion M tokens long", () => {
    const curve = [0.8, 0.7, 0.6, 0.5];
    const budget = roundSchedule(curve, 4, 64);
    close(budget.tokens, 64, "tokens");
    close(roundSchedule(curve, 4, 64, 64).rounds, budget.rounds, "rounds");
    assert.ok(roundSchedule(curve, 4, 64, 20).rounds < budget.rounds);
  });
});

describe("completion length as a measured term", () => {
  it("pools the measured lengths, capped at the budget", () => {
    const { lengths, source } = completionLengths(withLengths([10, 20, 20, 100]), { maxTokens: 64, completionLength: "stopRules" });
    assert.equal(source, "stopRules");
    assert.deepEqual(lengths, [
      { tokens: 10, weight: 0.25 },
      { tokens: 20, weight: 0.5 },
      { tokens: 64, weight: 0.25 },
    ]);
    const smaller = completionLengths(withLengths([10, 20]), { maxTokens: 16, completionLength: "stopRules" });
    assert.deepEqual(smaller.lengths.map((l) => l.tokens), [10, 16]);
  });

  it("an older profile, or a run without stop rules, predicts the whole budget", () => {
    const older = profileWith(() => {});
    assert.deepEqual(completionLengths(older, { maxTokens: 64, completionLength: "stopRules" }), { lengths: [{ tokens: 64, weight: 1 }], source: "maxTokens" });
    assert.deepEqual(completionLengths(withLengths([10]), { maxTokens: 64, completionLength: "maxTokens" }).source, "maxTokens");
    const p = predict(older, speculative, { maxTokens: 64 });
    assert.equal(p.tokens, 64);
    assert.equal(p.lengthSource, "maxTokens");
  });

  it("verifier-only is priced per length and goodput is tokens over time across completions", () => {
    const profile = withLengths([10, 30]);
    const P = 500;
    const p = predict(profile, verifierOnly, { promptTokens: P, maxTokens: 64 });
    const timeOf = (L: number) => profile.verifier.rttMs.median + verifierPrefillMsFor(profile.verifier.prefillMs, P) + (L - 1) * profile.verifier.generateMsPerToken.median;
    close(p.tokens, 20, "mean tokens");
    close(p.completionMs, (timeOf(10) + timeOf(30)) / 2, "mean completion time");
    close(p.goodput, (20 * 1000) / ((timeOf(10) + timeOf(30)) / 2), "goodput");
    assert.equal(p.billed.outputTokens, 20);
    assert.equal(p.lengthSource, "stopRules");
  });

  it("verifier-only decodes at the speed timed at the stop-rule lengths where the profile has it", () => {
    const timed = withLengths([10, 30], { verifierOnlyMsPerToken: { median: 9, p90: 12, mean: 10 } });
    const untimed = withLengths([10, 30]);
    const a = predict(timed, verifierOnly, { maxTokens: 64 });
    const b = predict(untimed, verifierOnly, { maxTokens: 64 });
    close(a.completionMs - b.completionMs, 19 * (10 - untimed.verifier.generateMsPerToken.median), "decode difference over the 19 decode steps");
    // Whole budgets (no stop rules) keep the budget's fit.
    close(predict(timed, verifierOnly, { maxTokens: 64, completionLength: "maxTokens" }).completionMs, predict(untimed, verifierOnly, { maxTokens: 64, completionLength: "maxTokens" }).completionMs, "budget fit");
  });

  it("drafter-only runs whole chunks past the stop; speculation stops sooner than the budget", () => {
    const profile = withLengths([10]);
    assert.equal(predict(profile, drafterOnly, { maxTokens: 64 }).tokens, Math.ceil(10 / DRAFTER_ONLY_CHUNK) * DRAFTER_ONLY_CHUNK);
    const short = predict(profile, speculative, { maxTokens: 64 });
    const whole = predict(profile, speculative, { maxTokens: 64, completionLength: "maxTokens" });
    close(short.tokens, roundSchedule(profile.drafters[0].acceptanceCurve, 4, 64, 10).tokens, "expected tokens");
    assert.ok(short.tokens >= 10 && short.tokens < 15, `${short.tokens}`);
    assert.ok(short.completionMs < whole.completionMs);
    assert.equal(whole.tokens, 64);
  });
});

describe("first round at a new cursor position", () => {
  const withFirst = (draftExtraMs: number, verifyExtraMs: number) =>
    profileWith((p) => {
      p.drafters[0].firstRound = { draftExtraMs, verifyExtraMs, walks: 16 };
    });

  it("lands once per completion in drafting and verifying time", () => {
    const base = predict(profileWith(() => {}), speculative, { maxTokens: 64 });
    const first = predict(withFirst(7, 11), speculative, { maxTokens: 64 });
    close(first.time.draftMs - base.time.draftMs, 7, "drafting");
    close(first.time.verifyMs - base.time.verifyMs, 11, "verifying");
    assert.equal(first.firstRoundMs, 18);
    assert.equal(predict(withFirst(7, 11), verifierOnly, { maxTokens: 64 }).firstRoundMs, 0);
  });

  it("a first round measured faster than later ones is not credited", () => {
    const base = predict(profileWith(() => {}), speculative, { maxTokens: 64 });
    close(predict(withFirst(-5, -3), speculative, { maxTokens: 64 }).completionMs, base.completionMs, "completion");
  });

  it("is its own term in the time to the first line", () => {
    const base = predictFirstLineMs(profileWith(() => {}), speculative, { rttMs: 25 });
    close(predictFirstLineMs(withFirst(7, 11), speculative, { rttMs: 25 }) - base, 18, "first line");
  });
});
