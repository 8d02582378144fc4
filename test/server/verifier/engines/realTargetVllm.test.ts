import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { checkExactness } from "../../../../server/bench/exactnessCheck.js";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { startVllm } from "../../../../scripts/engines/engineProcess.js";
import { assertVerifierOnlyWritesCode, realFamily, realNgramDrafter } from "../../../helpers/realFamily.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../../helpers/speculativeFixture.js";
import { engineClient } from "./engineLossless.js";

// vLLM serving the real pretrained target, converted from its GGUF to a Hugging Face checkpoint
// (`configspec models --family real`). A few prompts: the full grid is a committed bench result.

const REAL_PROMPTS = 3;
const family = await realFamily({ hf: true });
const hfDir = family.target.absoluteHfDir;
if (!hfDir) throw new Error("the real family has no Hugging Face checkpoint");
const server = await startVllm({ modelDir: hfDir, maxModelLen: 2048 });
after(() => server.stop());
const client = engineClient(server);
const ngram = await realNgramDrafter(family);

describe("vLLM on the real target", () => {
  test("auto finds prefix-probe, and verifier-only writes the real model's code", async () => {
    const detection = await detectVerifierProtocols(client);
    assert.equal(detection.engine, "vllm");
    assert.ok(detection.found.includes("prefix-probe"), JSON.stringify(detection.probes));
    await assertVerifierOnlyWritesCode(client, ngram);
  });

  test(`the n-gram drafter × K 1/4 equals verifier-only on the same vLLM (${REAL_PROMPTS} prompts)`, async (t) => {
    const cuts = await corpusPrompts(REAL_PROMPTS, REFERENCE_SEED);
    const result = await checkExactness({ client, drafters: [ngram], prompts: cuts, ks: [1, 4], maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW });
    t.diagnostic(`${result.accepted} of ${result.drafted} drafted tokens accepted`);
    assert.equal(result.compared, REAL_PROMPTS * 2);
    assert.deepEqual(result.mismatches, []);
  });
});
