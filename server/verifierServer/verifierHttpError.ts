/** OpenAI's error `type` values that this server answers with. */
export type OpenAiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "server_error";

/**
 * A request the verifier server refuses or cannot serve: rendered as OpenAI's
 * `{error: {message, type, param, code}}` with the HTTP status, so clients (including the
 * `openai` package) surface the message instead of a parse failure.
 */
export class VerifierHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAiErrorType = status >= 500 ? "server_error" : "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "VerifierHttpError";
  }

  toJSON(): { error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a field that parsed but cannot be served (out of range, unsupported, too long). */
export function invalidRequest(message: string, param: string | null, code: string | null = null): VerifierHttpError {
  return new VerifierHttpError(400, message, "invalid_request_error", param, code);
}
