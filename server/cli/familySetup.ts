import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureGeneratedFamily } from "../modelFiles/drafterPreparation.js";
import { bundledFamilyDir } from "../modelFiles/bundledFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest, type ResolvedModelEntry } from "../modelFiles/modelManifest.js";
import type { ProfileDrafterSpec } from "../profiler/profileRunner.js";
import { startVerifierProcess, type VerifierProcess } from "./verifierProcess.js";

/**
 * The model family in `modelsDir`: the bundled trained family by default; another folder is
 * used as it is, or gets the generated (seeded random) family written first if it holds none.
 */
export async function familyModels(modelsDir: string, log: (line: string) => void): Promise<{ target: ResolvedModelEntry; drafters: ResolvedModelEntry[] }> {
  const dir = resolve(modelsDir);
  const manifestPath = join(dir, MANIFEST_FILE_NAME);
  if (!existsSync(manifestPath) && dir === resolve(bundledFamilyDir())) {
    throw new Error(`the bundled model family is missing (${manifestPath}); run npm run train, or name a family with --models DIR`);
  }
  if (!existsSync(manifestPath)) {
    log(`generating the model family in ${dir} (once)`);
    await ensureGeneratedFamily(dir, (p) => log(`  ${p.message}`));
  }
  const { models } = await readModelManifest(manifestPath);
  const target = models.find((m) => m.role === "target");
  if (!target) throw new Error(`${manifestPath} lists no target model`);
  return { target, drafters: models.filter((m) => m.role === "drafter") };
}

export function drafterSpecsOf(drafters: readonly ResolvedModelEntry[]): ProfileDrafterSpec[] {
  return drafters.map((d) => ({ id: d.id, path: d.absolutePath, sha256: d.sha256 }));
}

/** The family's target served by `configspec verifier` in a child process (this CLI's own entry point). */
export function startFamilyVerifierProcess(target: ResolvedModelEntry, options: { stepDelayMs?: number } = {}): Promise<VerifierProcess> {
  return startVerifierProcess({ cliPath: process.argv[1], modelPath: target.absolutePath, modelId: target.id, stepDelayMs: options.stepDelayMs });
}

/** The embedded verifier's identity in a profile's validity key: its model, not its (random) port. */
export function embeddedVerifierIdentity(target: ResolvedModelEntry): string {
  return `embedded:${target.id}@${target.sha256}`;
}
