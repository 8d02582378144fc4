import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { generateModelFamily } from "../../server/modelFiles/modelFamily.js";
import { MANIFEST_FILE_NAME, MODEL_FAMILY_VERSION, readModelManifest, type ResolvedModelEntry } from "../../server/modelFiles/modelManifest.js";

/** Where tests keep the generated family between test files (git-ignored). */
export const TEST_MODELS_DIR = resolve(".cache", `test-models-v${MODEL_FAMILY_VERSION}`);

export interface ModelFamilyFixture {
  dir: string;
  target: ResolvedModelEntry;
  drafters: ResolvedModelEntry[];
}

/**
 * The generated model family, written once and reused by every test file. Generated into a
 * temporary folder and renamed, so concurrent test processes never see half a family.
 */
export async function modelFamilyFixture(): Promise<ModelFamilyFixture> {
  const manifestPath = join(TEST_MODELS_DIR, MANIFEST_FILE_NAME);
  if (!existsSync(manifestPath)) {
    await mkdir(resolve(".cache"), { recursive: true }); // absent on a clean clone
    const staging = await mkdtemp(`${TEST_MODELS_DIR}-staging-`);
    await generateModelFamily(staging);
    try {
      await rename(staging, TEST_MODELS_DIR);
    } catch {
      await rm(staging, { recursive: true, force: true }); // another process won the race
    }
  }
  const { models } = await readModelManifest(manifestPath);
  const target = models.find((m) => m.role === "target");
  if (!target) throw new Error("the model family has no target");
  return { dir: TEST_MODELS_DIR, target, drafters: models.filter((m) => m.role === "drafter") };
}
