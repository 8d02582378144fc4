/**
 * The daemon's wiring point to the profiler: measure this machine, the drafters and the
 * verifier link, and return a Profile (server/profile/profileSchema.ts). The daemon stores
 * it, and derives everything else from it with server/prediction and server/selector.
 */
import type { PriceOverride } from "../../config/daemonSettings.js";
import { runProfile } from "../../profiler/profileRunner.js";
import type { ProfileInput } from "../../profile/profileSchema.js";
import type { EngineDrafter, EngineVerifier } from "../engineFactory.js";
import { priceTableFor } from "../stats/completionAccounting.js";

export interface ProfileProgress {
  message: string;
  /** 0–100, when known. */
  percentage?: number;
}

export interface ProfileMachineOptions {
  /** Every configured drafter, with local paths (`hf:` URIs are resolved first). */
  drafters: EngineDrafter[];
  verifier: EngineVerifier;
  /** `configspec.prices`, for the profile's price table. */
  prices: Record<string, PriceOverride>;
  signal: AbortSignal;
  onProgress: (progress: ProfileProgress) => void;
  /** The folder calibration prompts are cut from (resolveCalibrationCorpus: the workspace by default). Default: the bundled corpus. */
  corpusDir?: string;
}

export type ProfileMachine = (options: ProfileMachineOptions) => Promise<ProfileInput>;

/** server/profiler's runner over the configured drafters and verifier, priced with the user's overrides. */
export const profileMachine: ProfileMachine = async (options) => {
  const { profile } = await runProfile({
    drafters: options.drafters.map((d) => ({ id: d.id, path: d.uriOrPath })),
    verifier: { baseUrl: options.verifier.baseUrl, model: options.verifier.model, apiKey: options.verifier.apiKey },
    protocol: options.verifier.protocol,
    prices: priceTableFor(options.verifier.model, options.prices),
    corpusDir: options.corpusDir,
    signal: options.signal,
    onProgress: ({ message, percentage }) => options.onProgress({ message, percentage }),
  });
  return profile;
};
