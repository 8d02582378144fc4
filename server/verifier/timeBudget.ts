import type { PromptWindowOptions } from "../prompt/promptWindow.js";
import { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS } from "../prompt/promptWindow.js";
import { DEFAULT_VERIFIER_TIMEOUT_MS } from "./verifierEndpointConfig.js";

/** How fast an endpoint prefills and decodes, and its round trip: what deadlines and the prompt window are sized from. */
export interface EndpointSpeeds {
  /** Cold prefill: ms ≈ baseMs + perPromptTokenMs · tokens. */
  prefill: { baseMs: number; perPromptTokenMs: number };
  decodeMsPerToken: number;
  rttMs: number;
  /** `profile`: measured on this endpoint; `unprofiled`: {@link UNPROFILED_SPEEDS}, a slow CPU engine. */
  source: "profile" | "unprofiled";
}

/**
 * Before a profile: the speeds of a small model on a 2-core CPU engine (~100 prompt tokens/s,
 * ~10 tokens/s), so deadlines start long and the window short rather than timing out.
 */
export const UNPROFILED_SPEEDS: EndpointSpeeds = { prefill: { baseMs: 200, perPromptTokenMs: 10 }, decodeMsPerToken: 100, rttMs: 300, source: "unprofiled" };

/** A request may take this many times what the speeds predict before it is abandoned. */
const DEADLINE_FACTOR = 3;
/** Longest any one request may take, whatever the speeds say. */
const MAX_DEADLINE_MS = 300_000;
/** What a cold prompt may cost at a pause: the window is cut to fit it on a slow engine. */
export const COLD_PROMPT_BUDGET_MS = 2_000;
/** The shortest prefix window worth completing from. */
const MIN_PREFIX_TOKENS = 256;

/** What {@link speedsOfProfile} reads of a profile's verifier. */
interface MeasuredVerifier {
  protocol: string;
  /** Warm: a cached prompt read again (what a pause costs once typing warmed the caches). */
  prefillMs: { baseMs: number; perPromptTokenMs: number };
  generateMsPerToken: { median: number };
  rttMs: { median: number };
  /** Cold rounds per protocol: a new context, nothing cached. */
  protocols?: readonly { protocol: string; coldMs: number; contextTokens: number }[];
}

/**
 * Speeds as a profile measured them. Deadlines must survive a cold prompt, so prefill is the
 * slower of the warm fit and the cold round of the protocol in use (the profile's own by default).
 */
export function speedsOfProfile(verifier: MeasuredVerifier, protocol: string = verifier.protocol): EndpointSpeeds {
  const cold = verifier.protocols?.find((p) => p.protocol === protocol && p.contextTokens > 0);
  const coldPerToken = cold ? Math.max(0, cold.coldMs - verifier.rttMs.median - verifier.prefillMs.baseMs) / cold.contextTokens : 0;
  return {
    prefill: { baseMs: verifier.prefillMs.baseMs, perPromptTokenMs: Math.max(verifier.prefillMs.perPromptTokenMs, coldPerToken) },
    decodeMsPerToken: verifier.generateMsPerToken.median,
    rttMs: verifier.rttMs.median,
    source: "profile",
  };
}

/** The profile's speeds when one was measured on this endpoint, else {@link UNPROFILED_SPEEDS}. */
export function endpointSpeeds(measured: MeasuredVerifier | undefined): EndpointSpeeds {
  return measured ? speedsOfProfile(measured) : UNPROFILED_SPEEDS;
}

/** The deadline for one request that prefills `promptTokens` cold and produces `outputTokens`: never below the client's default. */
export function requestDeadlineMs(speeds: EndpointSpeeds, promptTokens: number, outputTokens: number): number {
  const expected = speeds.rttMs + speeds.prefill.baseMs + speeds.prefill.perPromptTokenMs * promptTokens + speeds.decodeMsPerToken * outputTokens;
  return Math.round(Math.min(MAX_DEADLINE_MS, Math.max(DEFAULT_VERIFIER_TIMEOUT_MS, DEADLINE_FACTOR * expected)));
}

/** The deadline for the largest request an engine with `window` sends: the whole window cold, then `outputTokens`. */
export function windowDeadlineMs(speeds: EndpointSpeeds, window: PromptWindowOptions, outputTokens: number): number {
  const tokens = (window.maxPrefixTokens ?? DEFAULT_MAX_PREFIX_TOKENS) + (window.maxSuffixTokens ?? DEFAULT_MAX_SUFFIX_TOKENS);
  return requestDeadlineMs(speeds, tokens, outputTokens);
}

/**
 * The prompt window an endpoint can prefill cold within {@link COLD_PROMPT_BUDGET_MS}: the
 * default caps on a fast one, fewer prefix (and proportionally suffix) tokens on a slow one.
 */
export function promptWindowFor(speeds: EndpointSpeeds): PromptWindowOptions {
  const affordable = (COLD_PROMPT_BUDGET_MS - speeds.prefill.baseMs) / Math.max(speeds.prefill.perPromptTokenMs, 1e-6);
  const total = DEFAULT_MAX_PREFIX_TOKENS + DEFAULT_MAX_SUFFIX_TOKENS;
  const scale = Math.min(1, Math.max(MIN_PREFIX_TOKENS / DEFAULT_MAX_PREFIX_TOKENS, affordable / total));
  return { maxPrefixTokens: Math.round(DEFAULT_MAX_PREFIX_TOKENS * scale), maxSuffixTokens: Math.round(DEFAULT_MAX_SUFFIX_TOKENS * scale) };
}

/** For the status: where the deadlines come from. */
export function timeBudgetNote(speeds: EndpointSpeeds): string | undefined {
  return speeds.source === "unprofiled" ? "not profiled yet: deadlines are long and the prompt window short until Profile This Machine measures this endpoint" : undefined;
}
