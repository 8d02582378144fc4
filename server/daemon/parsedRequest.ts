import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection, type Disposable } from "vscode-languageserver";
import { z } from "zod";
import type { RequestDescriptor } from "../lspContract.js";
import { isAbortError } from "../util/abort.js";
import { type DaemonLogger } from "./daemonLogger.js";
import { errorMessageOf } from "../util/errorMessage.js";

/**
 * Registers a custom request whose params are parsed with its zod schema first: malformed
 * params get an InvalidParams error, a thrown error a RequestFailed one, an abort a
 * RequestCancelled one — the daemon itself never goes down with a request.
 */
export function onParsedRequest<P extends z.ZodType, R extends z.ZodType>(
  connection: Connection,
  request: RequestDescriptor<P, R>,
  log: DaemonLogger,
  handler: (params: z.infer<P>, token: CancellationToken) => Promise<z.infer<R>> | z.infer<R>,
): Disposable {
  return connection.onRequest(request.method, async (raw: unknown, token: CancellationToken) => {
    const parsed = request.params.safeParse(raw);
    if (!parsed.success) return invalidParams(log, request.method, parsed.error);
    try {
      return await handler(parsed.data, token);
    } catch (error) {
      if (token.isCancellationRequested || isAbortError(error)) {
        return new ResponseError(LSPErrorCodes.RequestCancelled, `${request.method} cancelled`);
      }
      log.error(`${request.method} failed: ${errorMessageOf(error)}`);
      return new ResponseError(LSPErrorCodes.RequestFailed, errorMessageOf(error));
    }
  });
}

/** Malformed params: logged, and answered with InvalidParams saying what was wrong. */
export function invalidParams(log: DaemonLogger, method: string, error: z.ZodError): ResponseError<void> {
  log.warn(`${method}: invalid params: ${z.prettifyError(error)}`);
  return new ResponseError(ErrorCodes.InvalidParams, `${method}: invalid params: ${z.prettifyError(error)}`);
}
