/** First backoff (before jitter); doubles with every retry. */
export const DEFAULT_RETRY_BASE_DELAY_MS = 250;
/**
 * Longest single wait before a retry. A server asking for longer (retry-after) is not retried
 * at all: retrying sooner than asked only earns another 429, and an inline completion that
 * waits seconds is worthless anyway.
 */
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000;

/** Statuses worth another attempt: rate limited or a transient server/proxy failure. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * How long the server asked us to wait, in ms: `retry-after-ms` (OpenAI's, and vendors'), else
 * `retry-after` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or
 * unparseable; a date in the past means 0.
 */
export function parseRetryAfterMs(headers: Pick<Headers, "get"> | undefined, now = Date.now()): number | undefined {
  const milliseconds = headers?.get("retry-after-ms")?.trim();
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) return Number(milliseconds);
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015): half the capped exponential delay is kept, half is random, so clients that
 * failed together do not retry together yet never retry immediately. `retry` counts from 1.
 */
export function backoffDelayMs(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + (ceiling / 2) * random();
}
