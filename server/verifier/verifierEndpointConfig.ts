/** Per-attempt timeout: headers and body of one HTTP request. */
export const DEFAULT_VERIFIER_TIMEOUT_MS = 10_000;
/** Retries after the first attempt (so at most 3 attempts), only on 429/500/502/503/504 and connection errors. */
export const DEFAULT_VERIFIER_MAX_RETRIES = 2;
