import { SeededRandom } from "../util/seededRandom.js";
import { abortableSleep } from "./abortableSleep.js";
import { recordInjectedDelay } from "./injectedDelayMeter.js";

/** The fetch signature the openai client accepts (a subset of the global one). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Where the round trip is spent. `"half"`: half before the request is sent (the request
 * travelling up), half after the response headers arrive (the first byte travelling back) —
 * the body then streams undelayed, since we model latency, not bandwidth. `"before"`: all of
 * it before the request, for callers that want a delay that never overlaps server time.
 */
export type NetworkDelaySplit = "half" | "before";

export const DEFAULT_NETWORK_JITTER_MS = 0;
export const DEFAULT_NETWORK_DELAY_SEED = 1;
export const DEFAULT_NETWORK_DELAY_SPLIT: NetworkDelaySplit = "half";

export interface NetworkDelayOptions {
  /** Emulated round-trip time added to every request, in ms. */
  rttMs: number;
  /**
   * Each request's round trip is drawn uniformly from rttMs ± jitterMs (never below 0).
   * Default {@link DEFAULT_NETWORK_JITTER_MS}.
   */
  jitterMs?: number;
  /** Seed of the jitter, so benchmark runs are repeatable. Default {@link DEFAULT_NETWORK_DELAY_SEED}. */
  seed?: number;
  /** Default {@link DEFAULT_NETWORK_DELAY_SPLIT}. */
  split?: NetworkDelaySplit;
}

export interface DelayedFetchOptions extends NetworkDelayOptions {
  /** The fetch that really sends the request. Default: the global `fetch`. */
  fetch?: FetchFunction;
}

function requestSignal(input: string | URL | Request, init: RequestInit | undefined): AbortSignal | undefined {
  return init?.signal ?? (input instanceof Request ? input.signal : undefined);
}

/**
 * The round-trip times a delayed fetch will use, one per request: uniform in rttMs ± jitterMs,
 * never below 0, and the same sequence for the same seed.
 */
export function createRoundTripSampler(options: NetworkDelayOptions): () => number {
  const { rttMs } = options;
  const jitterMs = options.jitterMs ?? DEFAULT_NETWORK_JITTER_MS;
  if (!(rttMs >= 0) || !(jitterMs >= 0)) {
    throw new RangeError(`Network delay expects rttMs >= 0 and jitterMs >= 0, found rttMs=${rttMs}, jitterMs=${jitterMs}`);
  }
  const random = new SeededRandom(options.seed ?? DEFAULT_NETWORK_DELAY_SEED);
  return () => Math.max(0, rttMs + jitterMs * (2 * random.uniform() - 1));
}

/**
 * A fetch that emulates a network round trip on top of a local one (benchmarks and the
 * profiler inject RTT 0/25/100 ms this way). The waits are abortable through the request's
 * signal, and each is charged to the current {@link InjectedDelayMeter} so callers can report
 * how much of a call's latency was emulated.
 */
export function createDelayedFetch(options: DelayedFetchOptions): FetchFunction {
  const nextRoundTripMs = createRoundTripSampler(options);
  const split = options.split ?? DEFAULT_NETWORK_DELAY_SPLIT;
  const inner = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  const wait = async (ms: number, signal: AbortSignal | undefined) => {
    if (ms <= 0) return;
    const started = performance.now();
    try {
      await abortableSleep(ms, signal);
    } finally {
      recordInjectedDelay(performance.now() - started);
    }
  };

  return async (input, init) => {
    const signal = requestSignal(input, init);
    // One draw per request, taken up front so the sequence of delays depends only on the seed.
    const roundTripMs = nextRoundTripMs();
    const beforeMs = split === "half" ? roundTripMs / 2 : roundTripMs;
    await wait(beforeMs, signal);
    const response = await inner(input, init);
    try {
      await wait(roundTripMs - beforeMs, signal);
    } catch (error) {
      // Aborted while the "reply" was in flight: free the connection rather than leak it.
      await response.body?.cancel().catch(() => undefined);
      throw error;
    }
    return response;
  };
}
