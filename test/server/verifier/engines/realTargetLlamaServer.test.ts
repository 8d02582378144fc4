import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkExactness } from "../../../../server/bench/exactnessCheck.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { BIG_VOCABULARY_SIZE, bigVocabularyModel } from "../../../helpers/bigVocabularyModel.js";
import { llamaServerForFile } from "../../../helpers/realEngines.js";
import { realFamily, realNgramDrafter } from "../../../helpers/realFamily.js";
import { completionInput, corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../../helpers/speculativeFixture.js";
import { engineClient } from "./engineLossless.js";

// llama-server serving the real pretrained target (SmolLM2-135M-Instruct, a 49,152-token BPE
// vocabulary, no FIM tokens), as a user would run it, and a model with a 262,144-token vocabulary.
// A few prompts: the full grid is a committed bench result.

const REAL_PROMPTS = 3;
const family = await realFamily();
const server = await llamaServerForFile({ model: family.target.absolutePath, slots: 5, threads: 2 });
const client = engineClient(server);
const ngram = await realNgramDrafter(family);

describe("llama-server on the real target", () => {
  test("auto finds prefix-probe, and verifier-only writes the real model's code", async () => {
    const detection = await detectVerifierProtocols(client);
    assert.equal(detection.engine, "llama-server");
    assert.ok(detection.found.includes("prefix-probe"), JSON.stringify(detection.probes));
    const engine = await SpeculativeEngine.create({ k: 0, drafter: ngram, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
    try {
      const [cut] = await corpusPrompts(1, REFERENCE_SEED);
      const output = await engine.complete(completionInput(cut!, REFERENCE_MAX_TOKENS));
      assert.equal(output.stats.tokens, REFERENCE_MAX_TOKENS);
      // Real text in the verifier's vocabulary: printable, mostly ASCII code characters.
      assert.match(output.text, /^[\x09\x0a\x20-\x7e]{8,}/);
    } finally {
      await engine.dispose();
    }
  });

  test(`the n-gram drafter × K 1/4 equals verifier-only on the same llama-server (${REAL_PROMPTS} prompts)`, async (t) => {
    const cuts = await corpusPrompts(REAL_PROMPTS, REFERENCE_SEED);
    const result = await checkExactness({ client, drafters: [ngram], prompts: cuts, ks: [1, 4], maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW });
    t.diagnostic(`${result.accepted} of ${result.drafted} drafted tokens accepted`);
    assert.equal(result.compared, REAL_PROMPTS * 2);
    assert.deepEqual(result.mismatches, []);
    assert.deepEqual(result.unverifiable, []);
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
