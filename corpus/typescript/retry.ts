/**
 * Retry an async operation with exponential backoff and full jitter.
 *
 * The delay before attempt n (counting from 1) is a random value in
 * [0, min(maxDelayMs, baseDelayMs * factor ** (n - 1))], which spreads retries
 * from many clients instead of letting them hammer a recovering server in sync.
 */

export interface RetryOptions {
  /** Total attempts including the first one. Default 5. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Return false to stop retrying on errors that will not go away. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. for logging. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export class RetryError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(message, { cause: lastError });
    this.name = "RetryError";
  }
}

export function backoffDelay(attempt: number, base: number, max: number, factor: number): number {
  const ceiling = Math.min(max, base * factor ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const {
    attempts = 5,
    baseDelayMs = 100,
    maxDelayMs = 10_000,
    factor = 2,
    shouldRetry = () => true,
    onRetry,
    signal,
  } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  }

  let lastError: unknown;
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    made = attempt;
    try {
      return await operation(attempt);
    } catch (error) {
      lastError = error;
      if (attempt === attempts || !shouldRetry(error, attempt)) break;
      const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs, factor);
      onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
    }
  }
  throw new RetryError(`operation failed after ${made} attempt(s)`, made, lastError);
}

// Example: retry a flaky fetch, but give up at once on client errors.
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  return retry(
    async () => {
      const res = await fetch(url, { signal });
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
      return (await res.json()) as T;
    },
    {
      signal,
      shouldRetry: (err) => {
        const status = (err as { status?: number }).status;
        return status === undefined || status >= 500 || status === 429;
      },
    },
  );
}
