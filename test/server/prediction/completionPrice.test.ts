import assert from "node:assert/strict";
import { test } from "node:test";
import { usdOf } from "../../../server/prediction/completionPrice.js";
import { DEFAULT_PRICE_TABLES } from "../../../server/prediction/priceTables.js";

const table = { ...DEFAULT_PRICE_TABLES[0], inputPerMillion: 2, cachedInputPerMillion: 1, outputPerMillion: 8, perServerSecond: 0.5 };

test("usdOf: uncached input, cached input and output at their prices, plus the verifier's seconds", () => {
  const usd = usdOf(table, { promptTokens: 1_000, cachedTokens: 400, completionTokens: 50 }, 300);
  assert.ok(Math.abs(usd - ((600 * 2 + 400 * 1 + 50 * 8) / 1e6 + 0.5 * 0.3)) < 1e-12, `${usd}`);
});

test("usdOf: a table without server pricing costs tokens only; cached never exceeds the prompt", () => {
  const tokensOnly = { ...table, perServerSecond: 0 };
  assert.equal(usdOf(tokensOnly, { promptTokens: 0, cachedTokens: 0, completionTokens: 0 }, 1_000), 0);
  assert.ok(usdOf(tokensOnly, { promptTokens: 10, cachedTokens: 20, completionTokens: 0 }, 0) >= 0);
});
