/** A slot was asked of a pool that is closing or closed (the server is shutting down). */
export class SlotPoolClosedError extends Error {
  constructor() {
    super("the verifier is shutting down: no slot will become free");
    this.name = "SlotPoolClosedError";
  }
}
