import type { LatencyStats } from "../profile/profileSchema.js";

/** The q-quantile (0..1) of the samples by linear interpolation between order statistics (R type 7). */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError("expected at least one sample, found none");
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Median, p90 and mean of the samples, as the profile stores every timing. */
export function latencyStatsOf(samples: readonly number[]): LatencyStats {
  return { median: median(samples), p90: quantile(samples, 0.9), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}
