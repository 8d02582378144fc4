/**
 * The endpoint answered 2xx with something we cannot use: not JSON, the wrong shape, logprobs
 * missing or misaligned with what we sent. Never retried: a deterministic server would repeat it.
 */
export class VerifierResponseError extends Error {
  constructor(
    /** What was expected and what was found. */
    readonly reason: string,
    /** Where the response came from (set by the client; absent when the pure decision threw). */
    readonly endpoint?: string,
  ) {
    super(`${endpoint ? `Verifier at ${endpoint}` : "Verifier"} sent an unusable response: ${reason}`);
    this.name = "VerifierResponseError";
  }
}
