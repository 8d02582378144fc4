import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { MANIFEST_FILE_NAME, readModelManifest } from "../models/modelManifest.js";
import { startVerifierServer, type VerifierServer } from "../verifierServer/startVerifierServer.js";
import { UsageError } from "./usageError.js";

/** The embedded verifier on 127.0.0.1 serving the generated family's target, for CLI commands run without an endpoint. */
export async function startFamilyVerifier(modelsDir: string): Promise<VerifierServer> {
  const manifestPath = join(resolve(modelsDir), MANIFEST_FILE_NAME);
  if (!existsSync(manifestPath)) {
    throw new UsageError(`no verifier: pass --verifier-url, or generate the model family first (configspec models --out ${modelsDir})`);
  }
  const { models } = await readModelManifest(manifestPath);
  const target = models.find((model) => model.role === "target");
  if (!target) throw new UsageError(`${manifestPath} lists no target model to serve`);
  return startVerifierServer({ modelPath: target.absolutePath });
}
