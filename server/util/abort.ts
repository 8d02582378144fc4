/** The error every cancelled operation rejects with; callers treat it as silent. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("The operation was aborted", "AbortError");
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Names of the errors a cancelled operation rejects with: the DOM `AbortError`, the openai
 * client's `APIUserAbortError`, and the daemon's `SupersededError` (the abort reason of a
 * request a newer one replaced; matched by name so this module depends on nothing).
 */
const CANCELLATION_ERROR_NAMES: ReadonlySet<string> = new Set(["AbortError", "APIUserAbortError", "SupersededError"]);

/** True for the errors an aborted operation rejects with: callers treat them as silent. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && CANCELLATION_ERROR_NAMES.has(error.name);
}
