export interface VerifierUnavailableDetails {
  /** HTTP attempts made before giving up. */
  attempts: number;
  /** The last HTTP status, when the server answered at all. */
  status?: number;
  /** What the last answer asked us to wait (retry-after), so the caller can back off too. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The verifier could not be reached or kept failing (connection refused or cut, 429/5xx after
 * every retry): the engine falls back to the drafter or to no suggestion.
 */
export class VerifierUnavailableError extends Error {
  readonly attempts: number;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly endpoint: string,
    readonly reason: string,
    details: VerifierUnavailableDetails,
  ) {
    super(`Verifier at ${endpoint} is unavailable after ${details.attempts} attempt(s): ${reason}`, { cause: details.cause });
    this.name = "VerifierUnavailableError";
    this.attempts = details.attempts;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}
