import type { ResolvedModelEntry } from "../modelFiles/modelManifest.js";

/** A verifier the bench talks to like a remote one: `http://127.0.0.1:PORT` serving `modelId`. */
export interface BenchVerifier extends AsyncDisposable {
  url: string;
  modelId: string;
  /** What the profile's validity key names: default the embedded target's id and hash. */
  identity?: string;
}

/**
 * Starts the family's target as the bench's verifier, in a child process as a remote verifier
 * would be (its CPU time is not the device's). With `stepMs`, every forward pass takes that much
 * longer (one per verify call, one per generated token): a large cloud model's step time
 * (`configspec verifier --step-ms`). The CLI passes its own (server/cli/familySetup.ts), so the
 * bench does not depend on the CLI.
 */
export type StartBenchVerifier = (target: ResolvedModelEntry, stepMs: number) => Promise<BenchVerifier>;
