import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkExactness } from "../../../../server/bench/exactnessCheck.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { BIG_VOCABULARY_SIZE, bigVocabularyModel } from "../../../helpers/bigVocabularyModel.js";
import { divergenceOf, NEAR_TIE_NATS } from "../../../helpers/nearTie.js";
import { llamaServerForFile } from "../../../helpers/realEngines.js";
import { assertVerifierOnlyWritesCode, realFamily, realNgramDrafter } from "../../../helpers/realFamily.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../../helpers/speculativeFixture.js";
import { engineClient } from "./engineLossless.js";

// llama-server serving the real pretrained target (SmolLM2-135M-Instruct, a 49,152-token BPE
// vocabulary, no FIM tokens), as a user would run it, and a model with a 262,144-token vocabulary.
// A few prompts: the full grid is a committed bench result.

const REAL_PROMPTS = 3;
const family = await realFamily();
const server = await llamaServerForFile({ model: family.target.absolutePath, slots: 5 });
const client = engineClient(server);
const ngram = await realNgramDrafter(family);

describe("llama-server on the real target", () => {
  test("auto finds prefix-probe, and verifier-only writes the real model's code", async () => {
    const detection = await detectVerifierProtocols(client);
    assert.equal(detection.engine, "llama-server");
    assert.ok(detection.found.includes("prefix-probe"), JSON.stringify(detection.probes));
    await assertVerifierOnlyWritesCode(client, ngram);
  });

  // llama.cpp cannot promise bit-identical logits across batch shapes for a quantised model (its
  // README says so), and a round evaluates drafts in one batch where streaming decodes one at a
  // time: a near-tie can flip. What differs is counted, and every difference must be such a flip.
  test(`the n-gram drafter × K 1/4 against verifier-only on the same llama-server (${REAL_PROMPTS} prompts): every difference is a near-tie flip`, async (t) => {
    const cuts = await corpusPrompts(REAL_PROMPTS, REFERENCE_SEED);
    const result = await checkExactness({ client, drafters: [ngram], prompts: cuts, ks: [1, 4], maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW });
    t.diagnostic(`${result.differences.length} of ${result.compared} completions differ; ${result.accepted} of ${result.drafted} drafted tokens accepted`);
    assert.equal(result.compared, REAL_PROMPTS * 2);
    assert.deepEqual(result.unverifiable, []);
    assert.ok(result.drafted > 0, "the n-gram drafter drafted");
    const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter: ngram, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
    try {
      for (const difference of result.differences) {
        const cut = cuts[difference.prompt]!;
        const prompt = verifierOnly.promptFor(cut.prefix, cut.suffix, REFERENCE_MAX_TOKENS).tokens;
        const divergence = await divergenceOf(server.baseUrl, prompt, difference.reference, difference.text, REFERENCE_MAX_TOKENS);
        t.diagnostic(`K=${difference.k} prompt ${difference.prompt}: ${JSON.stringify(divergence)}`);
        assert.ok(divergence, `prompt ${difference.prompt}: the difference is not at a token verifier-only chose`);
        assert.ok(divergence.tookRunnerUp && divergence.gapNats < NEAR_TIE_NATS, `prompt ${difference.prompt}: not a near-tie flip: ${JSON.stringify(divergence)}`);
      }
    } finally {
      await verifierOnly.dispose();
    }
  });
});

describe("llama-server on a 262,144-token vocabulary", () => {
  test("it is detected and serves token-id prompts up to the top of the vocabulary", async () => {
    const big = await llamaServerForFile({ model: await bigVocabularyModel(), slots: 2 });
    const bigClient = engineClient(big);
    const detection = await detectVerifierProtocols(bigClient);
    assert.equal(detection.engine, "llama-server");
    const response = await fetch(`${big.baseUrl}/completion`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: [5, 300, BIG_VOCABULARY_SIZE - 1], n_predict: 2, return_tokens: true }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { tokens: number[] };
    assert.equal(body.tokens.length, 2);
  });
});
