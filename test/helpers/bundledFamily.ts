import { join } from "node:path";
import { bundledFamilyDir } from "../../server/modelFiles/bundledFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest } from "../../server/modelFiles/modelManifest.js";
import type { ModelFamilyFixture } from "./modelFamilyFixture.js";

/** The trained family that ships in assets/models (the product's default), read-only. */
export async function bundledFamily(): Promise<ModelFamilyFixture> {
  const dir = bundledFamilyDir();
  const { models } = await readModelManifest(join(dir, MANIFEST_FILE_NAME));
  const target = models.find((m) => m.role === "target");
  if (!target) throw new Error(`${dir} has no target model`);
  return { dir, target, drafters: models.filter((m) => m.role === "drafter") };
}
