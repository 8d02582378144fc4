import { startFamilyVerifierProcess } from "../cli/familySetup.js";
import type { VerifierProcess } from "../cli/verifierProcess.js";
import type { ResolvedModelEntry } from "../modelFiles/modelManifest.js";

/**
 * The family's target served in a child process, as a remote verifier would be: its CPU time is
 * not the device's. With `stepMs`, every forward pass takes that much longer (one per verify call,
 * one per generated token): a large cloud model's step time (`configspec verifier --step-ms`).
 */
export function startBenchVerifier(target: ResolvedModelEntry, stepMs: number): Promise<VerifierProcess> {
  return startFamilyVerifierProcess(target, { stepDelayMs: stepMs });
}
