import assert from "node:assert/strict";
import { after, test } from "node:test";
import { checkExactness } from "../../../server/bench/exactnessCheck.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { realFamily, realNgramDrafter } from "../../helpers/realFamily.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../helpers/speculativeFixture.js";

// The embedded verifier serving the real pretrained target (a quantised 135 M model): its
// batch-invariant evaluation keeps speculation exact where llama-server's batches do not.
const REAL_PROMPTS = 3;
const family = await realFamily();
const server = await startVerifierServer({ modelPath: family.target.absolutePath, slots: 2 });
after(() => server.close());
const client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId, timeoutMs: 120_000 });
after(() => client.dispose());
const ngram = await realNgramDrafter(family);

test(`the n-gram drafter × K 1/4 equals verifier-only on the embedded verifier serving the real target (${REAL_PROMPTS} prompts)`, async (t) => {
  const cuts = await corpusPrompts(REAL_PROMPTS, REFERENCE_SEED);
  const result = await checkExactness({ client, drafters: [ngram], prompts: cuts, ks: [1, 4], maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW });
  t.diagnostic(`${result.accepted} of ${result.drafted} drafted tokens accepted`);
  assert.equal(result.compared, REAL_PROMPTS * 2);
  assert.deepEqual(result.mismatches, []);
  assert.ok(result.drafted > 0);
  // Real code from a real model: the reference is printable text, not noise.
  for (const text of result.references.get("ngram") ?? []) assert.match(text, /^[\x09\x0a\x20-\x7e]{8,}/);
});
