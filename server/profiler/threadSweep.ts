import { loadDrafter } from "../drafter/loadDrafter.js";
import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import { isWarmDraft } from "./drafterSpeed.js";
import { latencyStatsOf } from "./latencyStats.js";
import { draftingLabel, type PowerTally } from "./powerTally.js";
import { recordRounds } from "./recordedRounds.js";
import type { ThreadSpeedPoint } from "../profile/profileSchema.js";

/** Timed engine rounds per thread count: a stable median of K tokens each. */
export const THREAD_SWEEP_REPEATS = 4;
/**
 * A thread count already this many times slower than the fastest after two rounds stops early:
 * it will not be picked, and on a contended machine its slow drafts are most of the sweep's time.
 */
const CLEARLY_SLOWER = 2;
const SWEEP_DOCUMENT = "profiler-thread-sweep";
/** Rounds per engine walk before the early-stop check. */
const FIRST_PASS_ROUNDS = 2;

export interface ThreadSweepOptions {
  /** The drafter as loaded for alignment (its thread count is one of `threadCounts`). */
  baseline: Drafter;
  uriOrPath: string;
  threadCounts: readonly number[];
  /** A calibration prompt (the shortest: the sweep compares thread counts, the walks time context lengths). */
  prompt: readonly Token[];
  k: number;
  /** The profile's token protocol: every draft is timed inside a real engine round, between verifications. */
  verifier: TokenVerifier;
  tally: PowerTally;
  signal?: AbortSignal;
}

/**
 * Drafting speed at each thread count, timed the way the engine runs: K-token drafts inside the
 * engine's own token-ids loop (recordRounds), each followed by a real verification, so a verifier
 * sharing the device (the embedded one on the same cores, its threads still spinning after each
 * call) slows the drafts as it slows a completion's. Drafting alone, two threads read far faster
 * than they ran inside completions. Per-token times after the first of warm rounds. Each thread
 * count needs its own context (llama.cpp fixes threads per context), so the others are loaded for
 * the sweep and freed after it.
 */
export async function sweepThreads(options: ThreadSweepOptions): Promise<ThreadSpeedPoint[]> {
  const points: ThreadSpeedPoint[] = [];
  for (const threads of options.threadCounts) {
    options.signal?.throwIfAborted();
    const own = threads === options.baseline.threads;
    const drafter = own ? options.baseline : await loadDrafter({ id: options.baseline.id, uriOrPath: options.uriOrPath, threads, signal: options.signal });
    try {
      const walk = (rounds: number) =>
        recordRounds({ drafter, verifier: options.verifier, documentKey: SWEEP_DOCUMENT, prompt: options.prompt, ks: Array<number>(rounds).fill(options.k), drafterThreads: threads, tally: options.tally, signal: options.signal });
      // The first walk's first round prefills the prompt (not warm, not timed); the second walk starts warm.
      const samples = (await walk(FIRST_PASS_ROUNDS + 1)).filter(isWarmDraft).flatMap((r) => r.tokenMs.slice(1));
      const fastest = Math.min(...points.map((p) => p.draftMsPerToken.median));
      if (samples.length === 0 || latencyStatsOf(samples).median <= CLEARLY_SLOWER * fastest) {
        samples.push(...(await walk(THREAD_SWEEP_REPEATS - FIRST_PASS_ROUNDS)).filter(isWarmDraft).flatMap((r) => r.tokenMs.slice(1)));
      }
      if (samples.length === 0) continue; // the drafter ended the text at once: nothing to time
      const draftingWatts = options.tally.watts(draftingLabel(drafter.id, threads));
      points.push({ threads, draftMsPerToken: latencyStatsOf(samples), measuredIn: "engineRounds", ...(draftingWatts === undefined ? {} : { draftingWatts }) });
    } finally {
      if (own) await drafter.forgetDocument(SWEEP_DOCUMENT);
      else await drafter.dispose();
    }
  }
  return points;
}
