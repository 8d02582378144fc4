import type { NetworkDelayOptions } from "../network/delayedFetch.js";

/** Round trips of the issue: loopback, a nearby region, another continent. */
export const BENCH_RTTS_MS: readonly number[] = [0, 25, 100];
/** Jitter as a share of the round trip (uniform in rtt ± share·rtt), the network's own spread. */
export const JITTER_SHARE = 0.2;
/** Extra ms per verifier forward pass emulating a large cloud model (`configspec verifier --step-ms`). */
export const EMULATED_LARGE_MODEL_STEP_MS = 20;
/** The jitter draws repeat run to run. */
const NETWORK_SEED = 17;

/** One network and verifier setting the whole comparison is repeated under. */
export interface BenchCondition {
  id: string;
  label: string;
  rttMs: number;
  jitterMs: number;
  /** Extra verifier latency per forward pass; 0 = the embedded target as it is. */
  stepMs: number;
}

export function benchCondition(rttMs: number, stepMs: number): BenchCondition {
  const jitterMs = Math.round(rttMs * JITTER_SHARE);
  const verifier = stepMs > 0 ? `emulated large verifier (+${stepMs} ms/step)` : "verifier as-is";
  return {
    id: `rtt${rttMs}${stepMs > 0 ? `-step${stepMs}` : ""}`,
    label: `RTT ${rttMs}${jitterMs > 0 ? ` ± ${jitterMs}` : ""} ms, ${verifier}`,
    rttMs,
    jitterMs,
    stepMs,
  };
}

/** Verifier speeds: the embedded target as it is, and emulating a large cloud model's step time. */
export const VERIFIER_STEP_MS: readonly number[] = [0, EMULATED_LARGE_MODEL_STEP_MS];

/** The full bench's conditions: every RTT with every verifier speed. */
export function fullConditions(): BenchCondition[] {
  return VERIFIER_STEP_MS.flatMap((step) => BENCH_RTTS_MS.map((rtt) => benchCondition(rtt, step)));
}

/** The network delay a condition injects between the engine (or profiler) and the verifier. */
export function networkDelayOf(condition: BenchCondition): NetworkDelayOptions | undefined {
  return condition.rttMs > 0 || condition.jitterMs > 0 ? { rttMs: condition.rttMs, jitterMs: condition.jitterMs, seed: NETWORK_SEED } : undefined;
}
