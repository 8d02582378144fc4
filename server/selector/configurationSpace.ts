import { drafterOnlyConfiguration, verifierOnlyConfiguration, type Configuration } from "../prediction/configuration.js";
import { comparableProtocols } from "../prediction/protocolFits.js";
import type { DrafterProfile, Profile } from "../profile/profileSchema.js";
import type { VerifierProtocolSetting } from "../verifier/verifierProtocol.js";

export interface ConfigurationSpaceOptions {
  /** Include drafter-only (unverified) configurations. Default false: output is the verifier's. */
  allowUnverified?: boolean;
  /** configspec.verifier.protocol: `auto` (default) lets the selector choose; a named protocol is the only one considered. */
  protocol?: VerifierProtocolSetting;
}

/** Thread counts a drafter was profiled at (the sweep, or just its best). */
export function profiledThreads(drafter: DrafterProfile): number[] {
  return drafter.threadSweep ? drafter.threadSweep.map((p) => p.threads).sort((a, b) => a - b) : [drafter.bestThreads];
}

/**
 * Every configuration the profile can predict: drafters × K 1..kMax × profiled threads (× the
 * verifier protocols the profile compared, when it timed two or more), the verifier-only
 * baseline, and drafter-only per drafter and thread count when unverified output is allowed.
 */
export function enumerateConfigurations(profile: Profile, options: ConfigurationSpaceOptions = {}): Configuration[] {
  const configurations: Configuration[] = [verifierOnlyConfiguration()];
  const setting = options.protocol ?? "auto";
  const protocols = comparableProtocols(profile).filter((protocol) => setting === "auto" || protocol === setting);
  const variants = protocols.length > 0 ? protocols.map((protocol) => ({ protocol })) : [{}];
  for (const drafter of profile.drafters) {
    for (const threads of profiledThreads(drafter)) {
      for (let k = 1; k <= profile.kMax; k++) {
        for (const variant of variants) configurations.push({ drafterId: drafter.id, k, threads, verified: true, ...variant });
      }
      if (options.allowUnverified) configurations.push(drafterOnlyConfiguration(drafter.id, threads));
    }
  }
  return configurations;
}
