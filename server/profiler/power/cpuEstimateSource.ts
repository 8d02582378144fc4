import type { EnergyCounterSource } from "./powerSource.js";

/**
 * Watts one fully busy core adds: a 15 W-class laptop chip spends its package budget on ~3
 * busy cores (≈ 5 W each); desktop cores draw more (10 W+), so this is a labelled estimate.
 */
export const ESTIMATE_WATTS_PER_BUSY_CORE = 5;
/** Whole-device draw with nothing running: a laptop with its screen on idles at ~5–10 W. */
export const ESTIMATE_BASE_WATTS = 8;

export interface CpuEstimateOptions {
  /** Default {@link ESTIMATE_WATTS_PER_BUSY_CORE}. */
  wattsPerBusyCore?: number;
  /** Default {@link ESTIMATE_BASE_WATTS}. */
  baseWatts?: number;
  /** CPU time of the work being measured, µs; default this process (all its threads, llama.cpp's included). */
  cpuUsage?: () => NodeJS.CpuUsage;
  /** Monotonic clock, ms; default performance.now. */
  now?: () => number;
}

/**
 * When no meter is readable: energy = baseWatts × wall time + wattsPerBusyCore × CPU time, the
 * CPU time being `process.cpuUsage()` (user + system over all the process's threads).
 */
export function cpuEstimateSource(options: CpuEstimateOptions = {}): EnergyCounterSource {
  const perCore = options.wattsPerBusyCore ?? ESTIMATE_WATTS_PER_BUSY_CORE;
  const base = options.baseWatts ?? ESTIMATE_BASE_WATTS;
  const cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
  const now = options.now ?? (() => performance.now());
  return {
    mode: "counter",
    kind: "estimate",
    label: `estimate: ${perCore} W per busy core (process CPU time) + ${base} W base`,
    // The sample's own timestamp when given: on a busy machine the process can be descheduled
    // between stamping the sample and reading the clock here, which skewed base watts by ~1%.
    readJoules: async (atMs?: number) => {
      const { user, system } = cpuUsage();
      return base * ((atMs ?? now()) / 1000) + perCore * ((user + system) / 1e6);
    },
  };
}
