import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../util/packageRoot.js";

/**
 * The trained code-model family that ships with ConfigSpec (assets/models/, written by
 * `npm run train`, described in its MODEL_CARD.md): the default for the demo, the CLI, the
 * daemon's built-in family and the extension's offline trial. Read-only: nothing is written
 * into it at run time (profiles go to the output folder, e.g. ./models).
 */
export function bundledFamilyDir(): string {
  return join(packageRoot(), "assets", "models");
}

/** The bundled family's target GGUF (its vocabulary is what the n-gram drafter borrows when a verifier lends none). */
let bundledTarget: string | undefined;
export function bundledTargetPath(): string {
  if (bundledTarget) return bundledTarget;
  const manifest = JSON.parse(readFileSync(join(bundledFamilyDir(), "manifest.json"), "utf8")) as { models: { role: string; path: string }[] };
  const target = manifest.models.find((m) => m.role === "target");
  if (!target) throw new Error(`${bundledFamilyDir()}/manifest.json lists no target`);
  bundledTarget = join(bundledFamilyDir(), target.path);
  return bundledTarget;
}
