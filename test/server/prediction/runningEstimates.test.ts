import assert from "node:assert/strict";
import { test } from "node:test";
import { predict } from "../../../server/prediction/performanceModel.js";
import { applyRunningEstimates } from "../../../server/prediction/runningEstimates.js";
import { DEFAULT_PRICE_TABLE, findPriceTable, overridePrices } from "../../../server/prediction/priceTables.js";
import { PriceTableSchema } from "../../../server/profile/profileSchema.js";
import { SMALLEST_DRAFTER, syntheticProfile } from "../../helpers/syntheticProfile.js";

const config = { drafterId: SMALLEST_DRAFTER, k: 4, threads: 4, verified: true };

test("running estimates replace the RTT and the observed acceptance positions only", () => {
  const profile = syntheticProfile();
  const updated = applyRunningEstimates(profile, { rttMs: 120, drafters: { [SMALLEST_DRAFTER]: { acceptanceCurve: [0.9, 0.9] } } });
  assert.equal(updated.verifier.rttMs.median, 120);
  assert.equal(updated.verifier.rttMs.p90, 180, "p90 keeps its ratio to the median");
  const curve = updated.drafters[0].acceptanceCurve;
  assert.deepEqual(curve.slice(0, 2), [0.9, 0.9]);
  assert.deepEqual(curve.slice(2), profile.drafters[0].acceptanceCurve.slice(2));
  assert.equal(profile.verifier.rttMs.median, 40, "the original profile is untouched");
  assert.ok(predict(updated, config).roundMs > predict(profile, config).roundMs);
});

test("time scales slow the drafter and the verifier proportionally", () => {
  const profile = syntheticProfile();
  const before = predict(profile, config);
  const after = predict(applyRunningEstimates(profile, { verifierTimeScale: 2, drafters: { [SMALLEST_DRAFTER]: { draftTimeScale: 3 } } }), config);
  assert.ok(Math.abs(after.time.draftMs - 3 * before.time.draftMs) < 1e-6);
  assert.ok(Math.abs(after.time.verifyMs - 2 * before.time.verifyMs) < 1e-6);
});

test("default price tables are valid, dated, findable and overridable", () => {
  assert.ok(PriceTableSchema.safeParse(DEFAULT_PRICE_TABLE).success);
  assert.equal(findPriceTable("gpt-4o-mini")?.inputPerMillion, 0.15);
  assert.equal(findPriceTable("openai/gpt-4.1-mini")?.model, "gpt-4.1-mini");
  assert.equal(findPriceTable("no-such-model"), undefined);
  const cheaper = overridePrices(DEFAULT_PRICE_TABLE, { outputPerMillion: 1, inputPerMillion: undefined });
  assert.equal(cheaper.outputPerMillion, 1);
  assert.equal(cheaper.inputPerMillion, DEFAULT_PRICE_TABLE.inputPerMillion, "undefined overrides nothing");
});
