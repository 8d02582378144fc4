import type { BillingFit, Profile, ProtocolTiming, VerifyFit } from "../profile/profileSchema.js";
import { isTokenProtocol, type VerifierProtocol } from "../verifier/verifierProtocol.js";
import { defaultBillingFit } from "./profileFits.js";

/** The fits one protocol's rounds are predicted with. */
export interface ProtocolFits {
  verifyFit: VerifyFit;
  billingFit: BillingFit;
}

/**
 * The protocols the selector can choose between for speculative rounds: those the protocol
 * survey timed (profile.verifier.protocols) that judge drafts token by token — their rounds
 * have the structure the model predicts (accepted drafts + one bonus token per call) — when
 * the survey also timed the protocol the fits were measured with, so each has a ratio to it.
 * Predicted outputs are left out: a round there is a generation call whose output and time
 * follow other rules, and the model does not predict it yet. Empty when fewer than two remain:
 * then there is nothing to choose and configurations carry no protocol.
 */
export function comparableProtocols(profile: Profile): VerifierProtocol[] {
  const timings = profile.verifier.protocols ?? [];
  if (!timings.some((t) => t.protocol === profile.verifier.protocol)) return [];
  const found = timings.filter((t) => isTokenProtocol(t.protocol)).map((t) => t.protocol);
  return found.length >= 2 ? found : [];
}

/**
 * The verify and billing fits of a protocol. The profiler fits both on the rounds of one
 * protocol (profile.verifier.protocol); the survey timed every protocol on the same round side
 * by side. Another protocol's verify fit is the measured fit scaled by the ratio of their server
 * times in that round (wall ms minus the median round trip) — one round at one K and context, so
 * a first-order estimate that validation and online adaptation check. Its billing is the
 * measured fit when it is billed alike, else its structure (defaultBillingFit: the protocol
 * module's `bills`) with the measured cached share of input, a property of the endpoint's
 * cache rather than the protocol.
 * No protocol, or the measured one: the profile's fits as they are.
 */
export function protocolFits(profile: Profile, protocol: VerifierProtocol | undefined): ProtocolFits {
  const { verifier } = profile;
  const measured = { verifyFit: verifier.verifyMs.fit, billingFit: verifier.billing.fit };
  if (protocol === undefined || protocol === verifier.protocol) return measured;
  const scale = serverTimeRatio(profile, protocol);
  if (scale === undefined) throw new RangeError(`expected the profile's protocol survey to have timed ${protocol} and ${verifier.protocol}, found ${timedNames(profile)}`);
  const fit = verifier.verifyMs.fit;
  return {
    verifyFit: {
      baseMs: fit.baseMs * scale,
      perDraftTokenMs: fit.perDraftTokenMs * scale,
      perPromptTokenMs: fit.perPromptTokenMs * scale,
      ...(fit.perDraftContextMs !== undefined && { perDraftContextMs: fit.perDraftContextMs * scale }),
    },
    billingFit: billingFitOf(profile, protocol),
  };
}

/**
 * A protocol billed like the measured one (the same structure in its module's `bills`) takes the
 * measured billing fit as it is; another, its own structure with the measured cached share.
 */
function billingFitOf(profile: Profile, protocol: VerifierProtocol): BillingFit {
  const measured = profile.verifier.billing.fit;
  const structure = defaultBillingFit(protocol);
  if (JSON.stringify(structure) === JSON.stringify(defaultBillingFit(profile.verifier.protocol))) return measured;
  return { ...structure, cachedInputFraction: measured.cachedInputFraction };
}

/**
 * The protocol a served completion names (an engine's resolved protocol, any string), as a
 * configuration carries it: only when the profile compared it; otherwise absent (the profile's fits).
 */
export function comparedProtocolOf(profile: Profile, name: string | undefined): VerifierProtocol | undefined {
  return comparableProtocols(profile).find((protocol) => protocol === name);
}

/** {@link protocolFits} for what an engine served: the profile's own fits when the protocol was not compared. */
export function servedProtocolFits(profile: Profile, name: string | undefined): ProtocolFits {
  return protocolFits(profile, comparedProtocolOf(profile, name));
}

/** Server ms of a cached round of `protocol` / of the profile's measured protocol, both from the survey. */
export function serverTimeRatio(profile: Profile, protocol: VerifierProtocol): number | undefined {
  const timings = profile.verifier.protocols ?? [];
  const serverMs = (timing: ProtocolTiming | undefined) => (timing ? Math.max(0, timing.verifyMsPerRound - profile.verifier.rttMs.median) : undefined);
  const other = serverMs(timings.find((t) => t.protocol === protocol));
  const base = serverMs(timings.find((t) => t.protocol === profile.verifier.protocol));
  if (other === undefined || base === undefined) return undefined;
  // A measured protocol whose server time rounds to nothing (a loopback verifier faster than the
  // clock's noise) gives no ratio to scale by: treat the two as equal.
  return base > 0 ? other / base : 1;
}

function timedNames(profile: Profile): string {
  return (profile.verifier.protocols ?? []).map((t) => t.protocol).join(", ") || "none";
}
