import type { VerifierSettings } from "../../config/daemonSettings.js";
import type { Profile } from "../../profile/profileSchema.js";

const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i;

/**
 * Whether a profile was measured against the verifier the settings name now: the same base URL
 * and model, or, for the embedded verifier (no base URL; it takes a new port each start), a
 * loopback endpoint. A profile of another verifier says nothing about this one's speeds.
 */
export function profileFitsVerifier(profile: Pick<Profile, "validityKey">, verifier: Pick<VerifierSettings, "baseUrl" | "model">): boolean {
  const key = profile.validityKey;
  if (verifier.baseUrl === "") return LOOPBACK.test(key.verifierBaseUrl) || key.verifierBaseUrl.startsWith("embedded:");
  return key.verifierBaseUrl === verifier.baseUrl && (verifier.model === "" || key.verifierModel === verifier.model);
}

export const PROFILE_OF_ANOTHER_VERIFIER = "the profile was measured against another verifier: Profile This Machine to measure this one";
