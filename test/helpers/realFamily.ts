import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { after } from "node:test";
import type { Drafter } from "../../server/drafter/drafter.js";
import { ngramDrafterUri } from "../../server/drafter/drafterSpec.js";
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import { SpeculativeEngine } from "../../server/engine/speculativeEngine.js";
import type { VerifierClient } from "../../server/verifier/verifierClient.js";
import { completionInput, corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "./speculativeFixture.js";
import { writeRealFamily } from "../../server/modelFiles/realFamily.js";
import { familyIn } from "./bundledFamily.js";
import type { ModelFamilyFixture } from "./modelFamilyFixture.js";

/** Where tests keep the real family's manifest (its files live in the shared model cache). */
const REAL_FAMILY_TEST_DIR = resolve(".cache", "real-family");

/**
 * The real pretrained family (SmolLM2-135M-Instruct, fetched once by its pinned hash), with its
 * Hugging Face checkpoint when `hf` (vLLM loads that).
 */
export async function realFamily(options: { hf?: boolean } = {}): Promise<ModelFamilyFixture> {
  await writeRealFamily(REAL_FAMILY_TEST_DIR, { hfCheckpoint: options.hf ?? false });
  return familyIn(join(REAL_FAMILY_TEST_DIR));
}

/** The model-free drafter in the real target's vocabulary, disposed when the file ends. */
export async function realNgramDrafter(family: ModelFamilyFixture): Promise<Drafter> {
  const drafter = await loadDrafter({ id: "ngram", uriOrPath: ngramDrafterUri(family.target.absolutePath) });
  after(() => drafter.dispose());
  return drafter;
}

/** Verifier-only on `client` (prompted in the drafter's ids) writes a full completion of printable code, not noise. */
export async function assertVerifierOnlyWritesCode(client: VerifierClient, drafter: Drafter): Promise<void> {
  const engine = await SpeculativeEngine.create({ k: 0, drafter, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
  try {
    const [cut] = await corpusPrompts(1, REFERENCE_SEED);
    const output = await engine.complete(completionInput(cut!, REFERENCE_MAX_TOKENS));
    assert.equal(output.stats.tokens, REFERENCE_MAX_TOKENS);
    assert.match(output.text, /^[\x09\x0a\x20-\x7e]{8,}/);
  } finally {
    await engine.dispose();
  }
}
