import { join, resolve } from "node:path";
import { bundledFamilyDir } from "../../server/modelFiles/bundledFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest } from "../../server/modelFiles/modelManifest.js";
import { modelFamilyFixture, type ModelFamilyFixture } from "./modelFamilyFixture.js";

/** The family whose manifest.json is in `dir`: its target and drafters, paths resolved. */
export async function familyIn(dir: string): Promise<ModelFamilyFixture> {
  const folder = resolve(dir);
  const { models } = await readModelManifest(join(folder, MANIFEST_FILE_NAME));
  const target = models.find((m) => m.role === "target");
  if (!target) throw new Error(`${folder} has no target model`);
  return { dir: folder, target, drafters: models.filter((m) => m.role === "drafter") };
}

/** The trained family that ships in assets/models (the product's default), read-only. */
export function bundledFamily(): Promise<ModelFamilyFixture> {
  return familyIn(bundledFamilyDir());
}

/** A script's `--models` flag: a folder, `generated` (the seeded random test fixture), or absent (the bundled family). */
export function familyFromModelsFlag(flag: string | undefined): Promise<ModelFamilyFixture> {
  return flag === "generated" ? modelFamilyFixture() : familyIn(flag ?? bundledFamilyDir());
}
