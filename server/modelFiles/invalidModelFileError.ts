/** A model file that must not be handed to llama.cpp: says what was expected and what was found. */
export class InvalidModelFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid model file ${path}: ${reason}`);
    this.name = "InvalidModelFileError";
  }
}
