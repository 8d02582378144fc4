/**
 * The endpoint understood us and said no (400, 404, 422, 501, ...): a model name it does not
 * serve, a protocol feature it lacks (echo, logprobs, prediction), a prompt longer than its
 * context. Never retried: the same request would fail the same way.
 */
export class VerifierRequestError extends Error {
  constructor(
    readonly endpoint: string,
    /** Method and path, e.g. `POST /completions`. */
    readonly request: string,
    readonly status: number,
    /** The server's own explanation, shortened and with the API key removed. */
    readonly serverMessage: string | undefined,
  ) {
    super(
      `Verifier at ${endpoint} rejected ${request}: expected HTTP 2xx, found ${status}` +
        (serverMessage ? ` (${serverMessage})` : ""),
    );
    this.name = "VerifierRequestError";
  }
}
