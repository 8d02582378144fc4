import assert from "node:assert/strict";
import { test } from "node:test";
import { faultyHttpServerForFile } from "../../helpers/faultyHttpServer.js";
import { fakeLlamaServer, fakeSglang, fakeVllmPrefixOnly } from "../../helpers/fakeVerifierEngines.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { createRoundVerifier } from "../../../server/verifier/protocols/protocolDetection.js";
import { defaultBillingFit, fitBilling, roundInputTokens } from "../../../server/prediction/profileFits.js";
import { usdOf } from "../../../server/prediction/completionPrice.js";
import { DEFAULT_PRICE_TABLES, selfHostedPriceTable } from "../../../server/prediction/priceTables.js";
import type { VerifierProtocol } from "../../../server/verifier/verifierProtocol.js";

// What each protocol is billed per round, from the usage its (fake, source-shaped) engine
// reports, against the billing facts the cost model assumes (server/prediction/priceTables.ts).

const sglang = await faultyHttpServerForFile(fakeSglang);
const vllm = await faultyHttpServerForFile(fakeVllmPrefixOnly);
const llama = await faultyHttpServerForFile(fakeLlamaServer);

const engines = [
  { protocol: "sglang", server: sglang, variant: undefined },
  { protocol: "prefix-probe", server: vllm, variant: "openai-completions" },
  { protocol: "prefix-probe", server: llama, variant: "llama-server" },
] as const;

for (const { protocol, server, variant } of engines) {
  test(`${protocol}${variant ? ` (${variant})` : ""}: billed input per round follows the protocol's structure, fitted from usage`, async () => {
    const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
    const round = createRoundVerifier(client, { protocol, variant }, true);
    assert.equal(round?.loop, "tokenIds");
    const verifier = round.verifier;
    const context = Array.from({ length: 40 }, (_, i) => (i * 7) % 100);
    const rounds = [];
    for (const k of [1, 2, 4, 8]) {
      const draft = Array.from({ length: k }, (_, i) => (i * 13) % 100);
      const { stats } = await verifier.verifyDraft({ context, draft });
      const fit = defaultBillingFit(protocol as VerifierProtocol);
      assert.equal(stats.usage.promptTokens, roundInputTokens(fit, context.length, k), `K=${k}`);
      rounds.push({ k, contextTokens: context.length, promptTokens: stats.usage.promptTokens, cachedTokens: stats.usage.cachedTokens, completionTokens: stats.usage.completionTokens });
    }
    const fitted = fitBilling(rounds, protocol);
    for (const r of rounds) assert.ok(Math.abs(roundInputTokens(fitted, r.contextTokens, r.k) - r.promptTokens) < 1e-6);
    assert.ok(fitted.cachedInputFraction > 0, "the engines report their prefix-cache hits");
  });
}

test("per-token billing discounts cached input; per-GPU-second billing charges verify time only", () => {
  const openai = DEFAULT_PRICE_TABLES.find((table) => table.model === "gpt-4.1-mini")!;
  const usage = { promptTokens: 1_000_000, cachedTokens: 500_000, completionTokens: 0 };
  assert.ok(Math.abs(usdOf(openai, usage, 0) - (0.5 * 0.4 + 0.5 * 0.1)) < 1e-9);
  const gpu = DEFAULT_PRICE_TABLES.find((table) => table.provider === "self-hosted")!;
  assert.equal(usdOf(gpu, usage, 0), 0);
  assert.ok(Math.abs(usdOf(gpu, usage, 3_600_000) - 2.69) < 1e-9, "one GPU hour of verify time");
  assert.ok(Math.abs(usdOf(selfHostedPriceTable(2, 4), usage, 1800_000) - 4) < 1e-9, "four GPUs at $2/h for half an hour");
});

test("predicted outputs bill the prediction as output (accepted or rejected), plus the bonus", () => {
  const fit = defaultBillingFit("predicted-outputs");
  assert.deepEqual([roundInputTokens(fit, 1000, 8), fit.completionBaseTokens + fit.completionPerDraftToken * 8], [1000, 9]);
  const echo = defaultBillingFit("echo-logprobs");
  assert.deepEqual([roundInputTokens(echo, 1000, 8), echo.completionBaseTokens + echo.completionPerDraftToken * 8], [1008, 1]);
});
