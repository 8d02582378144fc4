import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureGeneratedFamily } from "../modelFiles/drafterPreparation.js";
import { bundledFamilyDir } from "../modelFiles/bundledFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest, type ModelManifest, type ResolvedModelEntry } from "../modelFiles/modelManifest.js";
import { writeRealFamily } from "../modelFiles/realFamily.js";
import { NGRAM_DRAFTER_ID, ngramDrafterUri } from "../drafter/drafterSpec.js";
import type { ProfileDrafterSpec } from "../profiler/profileRunner.js";
import { startVerifierProcess, type VerifierProcess } from "./verifierProcess.js";

/** What `--models` names the real pretrained family by; it lives in {@link REAL_FAMILY_DIR}. */
export const REAL_FAMILY_NAME = "real";
export const REAL_FAMILY_DIR = join("models", "real");

export interface FamilyModels {
  family: ModelManifest["family"];
  target: ResolvedModelEntry;
  drafters: ResolvedModelEntry[];
}

/**
 * The model family in `modelsDir`: `real` is the pretrained family (its target fetched once by
 * its pinned hash); the bundled trained family's folder must hold it; another folder is used as
 * it is, or gets the generated (seeded random) family written first if it holds none.
 */
export async function familyModels(modelsDir: string, log: (line: string) => void): Promise<FamilyModels> {
  const dir = resolve(modelsDir === REAL_FAMILY_NAME ? REAL_FAMILY_DIR : modelsDir);
  const manifestPath = join(dir, MANIFEST_FILE_NAME);
  if (modelsDir === REAL_FAMILY_NAME && !existsSync(manifestPath)) {
    // The demo's verifier needs the GGUF only; `configspec models --family real` adds the checkpoint vLLM loads.
    await writeRealFamily(dir, { hfCheckpoint: false, log });
  }
  if (!existsSync(manifestPath) && dir === resolve(bundledFamilyDir())) {
    throw new Error(`the bundled model family is missing (${manifestPath}); run npm run train, or name a family with --models DIR`);
  }
  if (!existsSync(manifestPath)) {
    log(`generating the model family in ${dir} (once)`);
    await ensureGeneratedFamily(dir, (p) => log(`  ${p.message}`));
  }
  const { manifest, models } = await readModelManifest(manifestPath);
  const target = models.find((m) => m.role === "target");
  if (!target) throw new Error(`${manifestPath} lists no target model`);
  return { family: manifest.family, target, drafters: models.filter((m) => m.role === "drafter") };
}

/**
 * The drafters a family is profiled with: its drafter models, and for the real family the
 * model-free n-gram drafter in the target's vocabulary (a user's real verifier has no sibling to download).
 */
export function drafterSpecsOf(family: FamilyModels): ProfileDrafterSpec[] {
  const models = family.drafters.map((d) => ({ id: d.id, path: d.absolutePath, sha256: d.sha256 }));
  if (family.family !== "real") return models;
  return [{ id: NGRAM_DRAFTER_ID, path: ngramDrafterUri(family.target.absolutePath), sha256: family.target.sha256 }, ...models];
}

/** The family's target served by `configspec verifier` in a child process (this CLI's own entry point). */
export function startFamilyVerifierProcess(target: ResolvedModelEntry, options: { stepDelayMs?: number } = {}): Promise<VerifierProcess> {
  return startVerifierProcess({ cliPath: process.argv[1], modelPath: target.absolutePath, modelId: target.id, stepDelayMs: options.stepDelayMs });
}

/** The embedded verifier's identity in a profile's validity key: its model, not its (random) port. */
export function embeddedVerifierIdentity(target: ResolvedModelEntry): string {
  return `embedded:${target.id}@${target.sha256}`;
}
