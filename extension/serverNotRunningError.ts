/** A command needed the daemon while it was stopped or starting. */
export class ServerNotRunningError extends Error {
  constructor() {
    super("ConfigSpec server is not running");
    this.name = "ServerNotRunningError";
  }
}
