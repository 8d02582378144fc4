import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedModelEntry } from "../../server/modelFiles/modelManifest.js";
import { ProfileSchema, type Profile } from "../../server/profile/profileSchema.js";
import { syntheticProfileInput, type SyntheticProfileOptions } from "./syntheticProfile.js";

/**
 * The synthetic profile with its drafters renamed to the generated family's (ids and paths) and
 * one drafting thread, so a daemon running the real engine on the family serves its picks.
 * Its numbers stay synthetic: tests that use it check what the daemon does with a profile.
 */
export function familyShapedProfile(drafters: readonly ResolvedModelEntry[], options: SyntheticProfileOptions = {}): Profile {
  const input = syntheticProfileInput(options);
  if (drafters.length < input.drafters.length) throw new Error(`need ${input.drafters.length} family drafters, found ${drafters.length}`);
  return ProfileSchema.parse({
    ...input,
    drafters: input.drafters.map((drafter, i) => {
      const oneThread = drafter.threadSweep![0];
      return { ...drafter, id: drafters[i].id, uri: drafters[i].absolutePath, bestThreads: 1, threadSweep: [oneThread], draftMsPerToken: oneThread.draftMsPerToken };
    }),
  });
}

/** A fresh daemon storage folder holding `profile` where the daemon reads it at start (profile.json). */
export async function storageWithProfile(profile: Profile, prefix: string): Promise<string> {
  const storagePath = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(storagePath, "profile.json"), JSON.stringify(profile));
  return storagePath;
}
