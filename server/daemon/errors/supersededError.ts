/** The abort reason of a request a newer request for the same document replaced. */
export class SupersededError extends Error {
  constructor() {
    super("superseded by a newer request for the same document");
    this.name = "SupersededError";
  }
}
