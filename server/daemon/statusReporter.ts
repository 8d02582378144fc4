import type { Connection } from "vscode-languageserver";
import { ServerStatusNotification, type ServerStatus } from "../lspContract.js";

export const INITIAL_SERVER_STATUS: Readonly<ServerStatus> = Object.freeze({
  health: "ok",
  quiescent: true,
  enabled: true,
  verifierReachable: null,
  onBattery: null,
  active: null,
  lastLatencyMs: null,
  verifierProtocol: null,
  verifierEngine: null,
});

/**
 * The daemon's health as one value, pushed to the client (`configspec/serverStatus`) whenever
 * it changes. Health is derived, never set by hand: error > warning > ok.
 */
export class StatusReporter {
  readonly #send: (status: ServerStatus) => void;
  #status: ServerStatus = { ...INITIAL_SERVER_STATUS };
  #lastSent = "";
  #batching = 0;
  /** Problems by source ("engine", "settings", "verifier", ...); each one line. */
  readonly #errors = new Map<string, string>();
  readonly #warnings = new Map<string, string>();
  /** Notes that belong in the message but do not lower health (e.g. "no drafter configured"). */
  readonly #notes = new Map<string, string>();
  readonly #busy = new Map<string, string>();

  constructor(send: (status: ServerStatus) => void) {
    this.#send = send;
  }

  static forConnection(connection: Connection): StatusReporter {
    // A notification that cannot be sent (the client is gone) is dropped, never an unhandled rejection.
    return new StatusReporter((status) => void connection.sendNotification(ServerStatusNotification.type, status).catch(() => {}));
  }

  get current(): ServerStatus {
    return this.#status;
  }

  update(patch: Partial<Pick<ServerStatus, "enabled" | "verifierReachable" | "onBattery" | "active" | "lastLatencyMs" | "verifierProtocol" | "verifierEngine">>): void {
    this.#status = { ...this.#status, ...patch };
    this.#publish();
  }

  /** Sets (message) or clears (undefined) what one source reports; only errors and warnings lower health. */
  problem(source: string, severity: "error" | "warning" | "info", message: string | undefined): void {
    this.#forget(source);
    const map = severity === "error" ? this.#errors : severity === "warning" ? this.#warnings : this.#notes;
    if (message !== undefined) map.set(source, message);
    this.#publish();
  }

  clear(source: string): void {
    this.#forget(source);
    this.#publish();
  }

  #forget(source: string): void {
    this.#errors.delete(source);
    this.#warnings.delete(source);
    this.#notes.delete(source);
  }

  /** Marks the daemon busy with `task` until the returned function is called. */
  busy(task: string, message: string): () => void {
    this.#busy.set(task, message);
    this.#publish();
    return () => {
      this.#busy.delete(task);
      this.#publish();
    };
  }

  /** Applies several changes and publishes once, so no half-updated status is ever sent. */
  batch(changes: () => void): void {
    this.#batching += 1;
    try {
      changes();
    } finally {
      this.#batching -= 1;
    }
    this.#publish();
  }

  #publish(): void {
    if (this.#batching > 0) return;
    const messages = [...this.#errors.values(), ...this.#warnings.values(), ...this.#busy.values(), ...this.#notes.values()];
    const { message: _replaced, ...base } = this.#status;
    this.#status = {
      ...base,
      health: this.#errors.size > 0 ? "error" : this.#warnings.size > 0 ? "warning" : "ok",
      quiescent: this.#busy.size === 0,
      ...(messages.length > 0 ? { message: messages.join("\n") } : {}),
    };
    const serialized = JSON.stringify(this.#status);
    if (serialized === this.#lastSent) return;
    this.#lastSent = serialized;
    this.#send(this.#status);
  }
}
