import type { Token } from "node-llama-cpp";
import { Drafter } from "../drafter/drafter.js";
import { latencyStatsOf } from "./latencyStats.js";
import { draftingLabel, type PowerTally } from "./powerTally.js";
import type { ThreadSpeedPoint } from "../profile/profileSchema.js";

/** Re-drafts per thread count: a stable median of K tokens each. */
export const THREAD_SWEEP_REPEATS = 4;
/**
 * A thread count already this many times slower than the fastest after two re-drafts stops early:
 * it will not be picked, and on a contended machine its slow drafts are most of the sweep's time.
 */
const CLEARLY_SLOWER = 2;
const SWEEP_DOCUMENT = "profiler-thread-sweep";

export interface ThreadSweepOptions {
  /** The drafter as loaded for alignment (its thread count is one of `threadCounts`). */
  baseline: Drafter;
  uriOrPath: string;
  threadCounts: readonly number[];
  /** A calibration prompt (the shortest: the sweep compares thread counts, the walks time context lengths). */
  prompt: readonly Token[];
  k: number;
  tally: PowerTally;
  signal?: AbortSignal;
}

/**
 * Drafting speed at each thread count on the same prompt: K tokens re-drafted after the cached
 * prompt, per-token times after the first. Each thread count needs its own context (llama.cpp
 * fixes threads per context), so the others are loaded for the sweep and freed after it.
 */
export async function sweepThreads(options: ThreadSweepOptions): Promise<ThreadSpeedPoint[]> {
  const points: ThreadSpeedPoint[] = [];
  for (const threads of options.threadCounts) {
    options.signal?.throwIfAborted();
    const own = threads === options.baseline.threads;
    const drafter = own ? options.baseline : await Drafter.load({ id: options.baseline.id, uriOrPath: options.uriOrPath, threads, signal: options.signal });
    try {
      await drafter.draft(SWEEP_DOCUMENT, options.prompt, 1, options.signal); // prefill, not timed
      const label = draftingLabel(drafter.id, threads);
      const samples: number[] = [];
      const fastest = Math.min(...points.map((p) => p.draftMsPerToken.median));
      for (let r = 0; r < THREAD_SWEEP_REPEATS; r++) {
        const draft = await options.tally.measure(label, () => drafter.draft(SWEEP_DOCUMENT, options.prompt, options.k, options.signal));
        samples.push(...draft.tokenMs.slice(1));
        if (r >= 1 && samples.length > 0 && latencyStatsOf(samples).median > CLEARLY_SLOWER * fastest) break;
      }
      if (samples.length === 0) continue; // the drafter ended the text at once: nothing to time
      const draftingWatts = options.tally.watts(label);
      points.push({ threads, draftMsPerToken: latencyStatsOf(samples), ...(draftingWatts === undefined ? {} : { draftingWatts }) });
    } finally {
      if (own) await drafter.forgetDocument(SWEEP_DOCUMENT);
      else await drafter.dispose();
    }
  }
  return points;
}
