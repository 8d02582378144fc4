/**
 * The daemon's wiring point to the profiler: measure this machine, the drafters and the
 * verifier link, and return a Profile (server/profiler/profileSchema.ts). The daemon stores
 * it, and derives everything else from it with server/model and server/selector.
 */
import type { PriceOverride } from "../../config/daemonSettings.js";
import type { ProfileInput } from "../../profiler/profileSchema.js";
import type { EngineDrafter, EngineVerifier } from "../engineFactory.js";
import { ComponentNotWiredError } from "../errors/componentNotWiredError.js";

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
}

export type ProfileMachine = (options: ProfileMachineOptions) => Promise<ProfileInput>;

/** TODO(lead/profiler): `export const profileMachine: ProfileMachine = (options) => profileMachineAndVerifier(options);` */
export const profileMachine: ProfileMachine = async () => {
  throw new ComponentNotWiredError("The profiler", "server/daemon/profiling/profileMachine.ts (profileMachine)");
};
