import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyMsFor } from "../../../server/prediction/performanceModel.js";
import { defaultBillingFit, fitBilling, fitPrefillMs, fitVerifyMs, nonNegativeLeastSquares } from "../../../server/prediction/profileFits.js";

const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test("an exact linear verify time is recovered", () => {
  const points = [];
  for (const k of [0, 2, 4, 8]) for (const promptTokens of [256, 1024, 2048]) points.push({ k, promptTokens, ms: 30 + 1.5 * k + 0.01 * promptTokens });
  const fit = fitVerifyMs(points);
  assert.ok(near(fit.baseMs, 30) && near(fit.perDraftTokenMs, 1.5) && near(fit.perPromptTokenMs, 0.01), JSON.stringify(fit));
});

test("a draft token that costs more in a long context is fitted, not charged to every K", () => {
  // Attention: each new position attends over the context. The profiler's design — K swept on
  // short prompts, K = Kmax rounds on long ones — is where an additive fit went wrong.
  const cost = (k: number, promptTokens: number) => 5 + 0.004 * promptTokens + k * (0.5 + 0.0012 * promptTokens);
  const points = [];
  for (const promptTokens of [300, 420, 800]) for (const k of [0, 1, 2, 4, 6, 8, 10]) points.push({ k, promptTokens, ms: cost(k, promptTokens) });
  for (const promptTokens of [900, 1000, 1100]) points.push({ k: 10, promptTokens, ms: cost(10, promptTokens) });
  const fit = fitVerifyMs(points);
  const predicted = verifyMsFor(fit, 2, 1046);
  assert.ok(Math.abs(predicted - cost(2, 1046)) < 1e-6, `predicted ${predicted} ms, true ${cost(2, 1046)} ms (${JSON.stringify(fit)})`);
});

test("one prompt length measured: no per-prompt slope, the rest still fitted", () => {
  const fit = fitVerifyMs([1, 2, 4, 8].map((k) => ({ k, promptTokens: 512, ms: 20 + 2 * k })));
  assert.ok(near(fit.baseMs, 20) && near(fit.perDraftTokenMs, 2), JSON.stringify(fit));
  assert.equal(fit.perPromptTokenMs, 0);
  assert.equal(fit.perDraftContextMs, 0);
});

test("noise that would make a slope negative pins it at zero", () => {
  const [base, slope] = nonNegativeLeastSquares([[1, 1], [1, 2], [1, 3]], [10, 9.9, 9.8]);
  assert.equal(slope, 0);
  assert.ok(near(base, 9.9));
  const prefill = fitPrefillMs([{ promptTokens: 100, ms: 45 }, { promptTokens: 1100, ms: 95 }]);
  assert.ok(near(prefill.baseMs, 40) && near(prefill.perPromptTokenMs, 0.05));
});

test("billing fits: cached share, drafts as input, completion tokens per K", () => {
  const logprobs = fitBilling(
    [2, 4, 8].map((k) => ({ k, contextTokens: 1000, promptTokens: 1000 + k, cachedTokens: 896, completionTokens: 1 })),
    "echo-logprobs",
  );
  assert.ok(near(logprobs.inputPerDraftToken, 1) && near(logprobs.completionBaseTokens, 1) && near(logprobs.completionPerDraftToken, 0));
  assert.ok(near(logprobs.cachedInputFraction, (3 * 896) / (3000 + 14)));
  const predicted = fitBilling(
    [2, 4, 8].map((k) => ({ k, contextTokens: 1000, promptTokens: 1000, cachedTokens: 0, completionTokens: k + 1 })),
    "predicted-outputs",
  );
  assert.ok(near(predicted.inputPerDraftToken, 0) && near(predicted.completionBaseTokens, 1) && near(predicted.completionPerDraftToken, 1));
  assert.deepEqual(fitBilling([], "predicted-outputs"), defaultBillingFit("predicted-outputs"));
});
