import { VerifierUnavailableError } from "./verifierUnavailableError.js";

/**
 * One attempt took longer than the per-request timeout (headers and body included). Not retried:
 * a verifier that slow is no use to an inline completion, and a retry would only double the wait.
 */
export class VerifierTimeoutError extends VerifierUnavailableError {
  constructor(
    endpoint: string,
    readonly timeoutMs: number,
    attempts: number,
  ) {
    super(endpoint, `expected a complete response within ${timeoutMs} ms, found none`, { attempts });
    this.name = "VerifierTimeoutError";
  }
}
