import type { IncomingMessage } from "node:http";
import { VerifierHttpError } from "./verifierHttpError.js";

function tooLarge(limit: number): VerifierHttpError {
  return new VerifierHttpError(413, `the request body is larger than the ${limit} bytes this server accepts`, "invalid_request_error", null, "request_too_large");
}

/**
 * The request body, refused with 413 as soon as it is known to exceed `limit` bytes (from
 * Content-Length, or while streaming), so a huge body is never buffered.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // A client that disconnects mid-body may emit neither "end" nor "error": never wait forever.
    const onClose = () => {
      cleanup();
      reject(new Error("the client disconnected before sending the whole body"));
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
