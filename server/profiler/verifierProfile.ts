import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import { fitBilling, fitPrefillMs, fitVerifyMs } from "../prediction/profileFits.js";
import { decodeMsPerTokenOf } from "../prediction/performanceModel.js";
import { SeededRandom } from "../util/seededRandom.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { latencyStatsOf } from "./latencyStats.js";
import { WAITING_LABEL, type PowerTally } from "./powerTally.js";
import type { BilledRound, LatencyStats, PrefillFit, VerifierProfile, VerifyPoint } from "../profile/profileSchema.js";
import type { VerifierProtocol } from "../verifier/verifierProtocol.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import { isWarmRound, recordRounds, type RoundObservation } from "./recordedRounds.js";


/** Probes timed for the round trip at least (after one untimed warm-up: connection setup is not RTT). */
export const RTT_PROBES = 10;
/** Round-trip probes after each sweep prompt, as validation probes between its prompts. */
const RTT_PROBES_PER_PROMPT = 2;
/** Passes over K = 0..kMax per sweep prompt. */
export const K_SWEEP_PASSES = 2;
/** Tokens generated per verifier-only timing call. */
export const GENERATE_TOKENS = 16;
const GENERATE_REPEATS = 2;
const PREFILL_REPEATS = 3;

export class VerifierProbeError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: string,
    readonly detail: string,
  ) {
    super(`Expected the verifier at ${endpoint} to answer GET /models, found ${status}: ${detail}`);
    this.name = "VerifierProbeError";
  }
}

export interface SweepPrompt {
  documentKey: string;
  tokens: readonly Token[];
}

export interface VerifierMeasurements {
  rttMs: LatencyStats;
  /** Every timed probe, ms. */
  rttSamplesMs: number[];
  /** Rounds at K = 0..kMax (shuffled) on the sweep prompts. */
  sweepRounds: RoundObservation[];
  prefillPoints: { promptTokens: number; ms: number }[];
  /** Wall ms of verifier-only calls asked for {@link GENERATE_TOKENS}, with their prompt length and the tokens they generated. */
  generateCalls: { promptTokens: number; tokens: number; ms: number }[];
}

export interface VerifierMeasureOptions {
  client: VerifierClient;
  /** The protocol the rounds are verified with (the profile's `verifier.protocol`). */
  verifier: TokenVerifier;
  /** Drafts the sweep rounds (the fastest drafter: the drafts' source does not change verify time). */
  drafter: Drafter;
  prompts: readonly SweepPrompt[];
  kMax: number;
  tally: PowerTally;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/**
 * Round trip, verification time against K and context length, and verifier-only speed, all from
 * the real endpoint. Verify time is wall time minus the round trip, measured in the loop's own
 * regime: the prompt cached from the previous round, K new drafts and last round's token to check.
 */
export async function measureVerifier(options: VerifierMeasureOptions): Promise<VerifierMeasurements> {
  const { client, verifier, signal, tally } = options;
  const rttSamples: number[] = [];
  const probe = async (timed: boolean) => {
    const health = await client.probe({ signal });
    if (health.status !== "ok") throw new VerifierProbeError(client.endpoint, health.status, health.message);
    if (timed) rttSamples.push(health.latencyMs);
  };
  // Untimed: the health check, and connection setup is not RTT. The round trip is then timed
  // between the prompts, in the loop's regime, as validation times it: probed back to back at a
  // freshly started verifier it read twice the warm figure, which every prediction then carried.
  await probe(false);
  options.onProgress?.(0.05, "verifier reachable");

  const sweepRounds: RoundObservation[] = [];
  const prefillCalls: { promptTokens: number; ms: number }[] = [];
  const generateCalls: VerifierMeasurements["generateCalls"] = [];
  for (const [index, prompt] of options.prompts.entries()) {
    const ks = Array.from({ length: K_SWEEP_PASSES }, () => shuffled(Array.from({ length: options.kMax + 1 }, (_, k) => k), index + 1)).flat();
    // One untimed round first: the prompt's first request is a cold prefill, not the steady state.
    await recordRounds({ drafter: options.drafter, verifier, documentKey: prompt.documentKey, prompt: prompt.tokens, ks: [0], drafterThreads: options.drafter.threads, tally, signal });
    sweepRounds.push(
      ...(await recordRounds({ drafter: options.drafter, verifier, documentKey: prompt.documentKey, prompt: prompt.tokens, ks, drafterThreads: options.drafter.threads, tally, signal })),
    );
    for (let r = 0; r < PREFILL_REPEATS; r++) {
      await cacheOnlyPrompt(verifier, prompt.tokens, signal);
      const call = await tally.measure(WAITING_LABEL, () => client.generate({ prompt: [...prompt.tokens], maxTokens: 1, signal }));
      prefillCalls.push({ promptTokens: prompt.tokens.length, ms: call.stats.latencyMs });
    }
    for (let r = 0; r < GENERATE_REPEATS; r++) {
      await cacheOnlyPrompt(verifier, prompt.tokens, signal);
      const call = await tally.measure(WAITING_LABEL, () => client.generate({ prompt: [...prompt.tokens], maxTokens: GENERATE_TOKENS, signal }));
      // A call that stopped early (end of text) timed fewer tokens: it is kept, and counted per token.
      generateCalls.push({ promptTokens: prompt.tokens.length, tokens: call.stats.usage.completionTokens, ms: call.stats.latencyMs });
    }
    for (let i = 0; i < RTT_PROBES_PER_PROMPT; i++) await probe(true);
    options.onProgress?.(0.05 + (0.95 * (index + 1)) / options.prompts.length, `verify time vs K at ${prompt.tokens.length} prompt tokens`);
  }
  while (rttSamples.length < RTT_PROBES) await probe(true);
  const rttMs = latencyStatsOf(rttSamples);
  // Server time of a prefill call: its wall time less the round trip measured alongside.
  const prefillPoints = prefillCalls.map((c) => ({ promptTokens: c.promptTokens, ms: Math.max(0, c.ms - rttMs.median) }));
  return { rttMs, rttSamplesMs: rttSamples, sweepRounds, prefillPoints, generateCalls };
}

/** The profile's verifier section from the measurements and every other warm round observed (alignment walks). */
export function verifierProfileOf(
  measurements: VerifierMeasurements,
  otherRounds: readonly RoundObservation[],
  endpoint: { baseUrl: string; model: string; protocol: VerifierProtocol },
): VerifierProfile {
  const { rttMs } = measurements;
  const rounds = [...measurements.sweepRounds, ...otherRounds];
  // An endpoint that reports no cached tokens at all (vLLM by default) cannot mark its warm rounds;
  // the sweep's follow an untimed round on the same prompt, so they are warm.
  const reportsCache = rounds.some((r) => r.stats.usage.cachedTokens > 0);
  const warm = reportsCache ? rounds.filter(isWarmRound) : measurements.sweepRounds;
  if (warm.length === 0) throw new RangeError("expected warm verification rounds to time, found none");
  const points: VerifyPoint[] = warm.map((r) => ({ k: r.drafted, promptTokens: r.contextTokens, ms: Math.max(0, r.stats.latencyMs - rttMs.median) }));
  const billed: BilledRound[] = warm.map((r) => ({
    k: r.drafted,
    contextTokens: r.contextTokens,
    ...r.stats.usage,
  }));
  const prefillMs = fitPrefillMs(measurements.prefillPoints);
  const perToken = decodeMsPerToken(measurements.generateCalls, rttMs.median, prefillMs, points);
  return {
    baseUrl: endpoint.baseUrl,
    model: endpoint.model,
    protocol: endpoint.protocol,
    rttMs,
    rttSamplesMs: measurements.rttSamplesMs.map((ms) => Math.round(ms * 1000) / 1000),
    // Plain least squares, i.e. the mean verify time: goodput divides tokens by total time, so a
    // shared machine's occasional stall belongs in the prediction as much as in the measurement.
    verifyMs: { points, fit: fitVerifyMs(points) },
    billing: { points: billed, fit: fitBilling(billed, endpoint.protocol) },
    generateMsPerToken: latencyStatsOf(perToken),
    prefillMs,
  };
}

/**
 * Decode ms per token from the verifier-only calls that generated two tokens or more. A model that
 * ends its text after one token everywhere (a FIM model closing a short middle) leaves no decode
 * step to time: then each warm K = 0 round, one forward pass on a cached prompt, is one.
 */
export function decodeMsPerToken(
  calls: VerifierMeasurements["generateCalls"],
  rttMedianMs: number,
  prefillMs: PrefillFit,
  warmPoints: readonly VerifyPoint[],
): number[] {
  const decoding = calls.filter((c) => c.tokens >= 2);
  if (decoding.length > 0) return decoding.map((c) => decodeMsPerTokenOf(c, rttMedianMs, prefillMs));
  const singleSteps = warmPoints.filter((p) => p.k === 0).map((p) => p.ms);
  if (singleSteps.length === 0) throw new RangeError("expected verifier-only calls of two tokens or more, or warm K = 0 rounds, to time decoding; found neither");
  return singleSteps;
}

/** Seeded Fisher–Yates shuffle: the K order must not correlate with warm-up or drift. */
function shuffled<T>(items: T[], seed: number): T[] {
  const random = new SeededRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
