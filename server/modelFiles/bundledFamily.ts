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
