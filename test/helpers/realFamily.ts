import { join, resolve } from "node:path";
import { after } from "node:test";
import type { Drafter } from "../../server/drafter/drafter.js";
import { ngramDrafterUri } from "../../server/drafter/drafterSpec.js";
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
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
