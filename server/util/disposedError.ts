/** Thrown when a disposed resource (model, context, server) is used again. */
export class DisposedError extends Error {
  constructor(what: string) {
    super(`${what} is disposed`);
    this.name = "DisposedError";
  }
}
