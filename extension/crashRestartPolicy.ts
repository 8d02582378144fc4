/** Crashes tolerated within {@link DEFAULT_CRASH_WINDOW_MS} before the server stays down. Default 4. */
export const DEFAULT_MAX_CRASH_RESTARTS = 4;
/** Default 3 minutes. */
export const DEFAULT_CRASH_WINDOW_MS = 3 * 60_000;

export interface CrashRestartPolicyOptions {
  /** Default {@link DEFAULT_MAX_CRASH_RESTARTS}. */
  maxRestarts?: number;
  /** Default {@link DEFAULT_CRASH_WINDOW_MS}. */
  windowMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
}

export type CrashDecision = { action: "restart"; crashesInWindow: number } | { action: "giveUp"; message: string };

/**
 * What to do when the daemon's connection closes unexpectedly (a crash, a SIGKILL): restart it,
 * unless it crashed too often lately — then stay down and say how to bring it back. Pure, so the
 * restart logic is tested without VS Code; `ConfigSpecContext` maps it to the client's CloseAction.
 */
export class CrashRestartPolicy {
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #crashes: number[] = [];

  constructor(options: CrashRestartPolicyOptions = {}) {
    this.#maxRestarts = options.maxRestarts ?? DEFAULT_MAX_CRASH_RESTARTS;
    this.#windowMs = options.windowMs ?? DEFAULT_CRASH_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  onCrash(): CrashDecision {
    const now = this.#now();
    this.#crashes = [...this.#crashes.filter((t) => now - t < this.#windowMs), now];
    if (this.#crashes.length <= this.#maxRestarts) return { action: "restart", crashesInWindow: this.#crashes.length };
    const minutes = Math.round(this.#windowMs / 60_000);
    return {
      action: "giveUp",
      message: `The ConfigSpec server crashed ${this.#crashes.length} times in ${minutes} minutes and will not be restarted. Run "ConfigSpec: Restart Server" after checking the logs.`,
    };
  }

  /** A deliberate restart forgets earlier crashes. */
  reset(): void {
    this.#crashes = [];
  }
}
