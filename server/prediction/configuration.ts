import { z } from "zod";
import { VerifierProtocolSchema } from "../profile/profileSchema.js";
import { InvalidConfigurationError } from "./invalidConfigurationError.js";

/**
 * One point of the configuration space. Speculative: a drafter, K ≥ 1, verified. The two
 * baselines: verifier-only (`drafterId: null`, K = 0) and drafter-only (a drafter, K = 0,
 * `verified: false` — its output is the drafter's, not the verifier's).
 */
export const ConfigurationSchema = z.object({
  drafterId: z.string().min(1).nullable(),
  k: z.number().int().nonnegative(),
  /** Drafting threads; ignored (1) for verifier-only. */
  threads: z.number().int().positive(),
  verified: z.boolean(),
  /**
   * How speculative rounds are verified, when the profile timed several protocols and the
   * selector chooses between them (prediction/protocolFits.ts); absent: the profile's own protocol.
   */
  protocol: VerifierProtocolSchema.optional(),
});
export type Configuration = z.infer<typeof ConfigurationSchema>;

export type ConfigurationKind = "speculative" | "verifier-only" | "drafter-only";

export function configurationKind(configuration: Configuration): ConfigurationKind {
  const { drafterId, k, verified } = configuration;
  if (drafterId === null) {
    if (!verified) throw new InvalidConfigurationError(configurationLabel(configuration), "expected a drafter for unverified generation, found none");
    if (k !== 0) throw new InvalidConfigurationError(configurationLabel(configuration), `expected K = 0 without a drafter, found K = ${k}`);
    return "verifier-only";
  }
  if (!verified) {
    if (k !== 0) throw new InvalidConfigurationError(configurationLabel(configuration), `expected K = 0 for drafter-only, found K = ${k}`);
    return "drafter-only";
  }
  if (k < 1) throw new InvalidConfigurationError(configurationLabel(configuration), "expected K ≥ 1 for speculative decoding, found 0");
  return "speculative";
}

export function verifierOnlyConfiguration(): Configuration {
  return { drafterId: null, k: 0, threads: 1, verified: true };
}

export function drafterOnlyConfiguration(drafterId: string, threads: number): Configuration {
  return { drafterId, k: 0, threads, verified: false };
}

/** Short human name: "draft-1l K=4 ×2t", "draft-1l K=4 ×2t via sglang", "verifier-only", "draft-1l alone (unverified)", "draft-1l alone ×2t (unverified)". */
export function configurationLabel(configuration: Configuration): string {
  const { drafterId, k, threads, verified, protocol } = configuration;
  if (drafterId === null) return "verifier-only";
  // Threads named when more than one: two drafter-only rows of one drafter read alike otherwise.
  if (!verified) return threads > 1 ? `${drafterId} alone ×${threads}t (unverified)` : `${drafterId} alone (unverified)`;
  return `${drafterId} K=${k} ×${threads}t${protocol ? ` via ${protocol}` : ""}`;
}

export function sameConfiguration(a: Configuration, b: Configuration): boolean {
  return a.drafterId === b.drafterId && a.k === b.k && a.threads === b.threads && a.verified === b.verified && a.protocol === b.protocol;
}
