/**
 * 401/403: the endpoint refused our credentials. Never retried. The message names the setting to
 * fix and never contains the key itself.
 */
export class VerifierAuthError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    hasApiKey: boolean,
  ) {
    super(
      `Verifier at ${endpoint} refused the credentials: expected HTTP 2xx, found ${status}` +
        (hasApiKey ? "; check the configured API key" : "; no API key is configured and the endpoint requires one"),
    );
    this.name = "VerifierAuthError";
  }
}
