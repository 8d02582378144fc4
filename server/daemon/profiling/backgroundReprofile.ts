import { setTimeout as delay } from "node:timers/promises";
import { errorMessageOf } from "../../util/errorMessage.js";
import type { DaemonLogger } from "../daemonLogger.js";

/** Quiet time after the last served completion before a background re-profile starts, so it never competes with a burst of typing. */
export const REPROFILE_QUIET_MS = 5_000;
/** Least time between two background re-profiles: a drift the model cannot capture must not re-profile in a loop. */
export const REPROFILE_COOLDOWN_MS = 60 * 60 * 1000;

export interface BackgroundReprofileOptions {
  /** Profiles the machine and makes the new profile the daemon's; must stop when the signal aborts. */
  run: (signal: AbortSignal, onProgress: (message: string) => void) => Promise<void>;
  /** Shows (a message) or clears (undefined) the status line of a re-profile in progress. */
  status: (message: string | undefined) => void;
  log: DaemonLogger;
  /** Default {@link REPROFILE_QUIET_MS}. */
  quietMs?: number;
  /** Default {@link REPROFILE_COOLDOWN_MS}. */
  cooldownMs?: number;
  /** Default Date.now. */
  now?: () => number;
  /** Waits `ms` or rejects when the signal aborts. Default node's timers/promises setTimeout. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Re-profiling after the predictions drifted: in the background (completions keep being served
 * from the current profile), after a quiet moment, at most once per cooldown, cancellable, and
 * said in the status while it runs. A failure is logged; the old profile stays.
 */
export class BackgroundReprofile {
  readonly #options: BackgroundReprofileOptions;
  #controller: AbortController | undefined;
  #running: Promise<void> | undefined;
  #lastStartedAt: number | undefined;
  #lastServedAt = Number.NEGATIVE_INFINITY;
  /** Pauses in force (a profile the user asked for is being measured). */
  #pauses = 0;

  constructor(options: BackgroundReprofileOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** The settled run, for tests and shutdown; resolves at once when none runs. */
  get settled(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  /** A completion was served: the quiet period starts again. */
  served(): void {
    this.#lastServedAt = this.#now();
  }

  /** Starts a re-profile for `reason` unless one runs or the last started within the cooldown; true when started. */
  request(reason: string): boolean {
    const now = this.#now();
    const cooldown = this.#options.cooldownMs ?? REPROFILE_COOLDOWN_MS;
    if (this.#running) return false;
    if (this.#pauses > 0) {
      this.#options.log.info(`predictions drifted (${reason}) while a profile is being measured: not re-profiling`);
      return false;
    }
    if (this.#lastStartedAt !== undefined && now - this.#lastStartedAt < cooldown) {
      this.#options.log.info(`predictions drifted (${reason}), but the last re-profile was under ${Math.round(cooldown / 60_000)} min ago: keeping the profile`);
      return false;
    }
    this.#lastStartedAt = now;
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = this.#runInBackground(reason, controller.signal).finally(() => {
      this.#running = undefined;
      if (this.#controller === controller) this.#controller = undefined;
    });
    return true;
  }

  /** Stops a re-profile in progress (a manual profile, new settings, shutdown); the current profile stays. */
  cancel(): Promise<void> {
    this.#controller?.abort();
    return this.settled;
  }

  /** Cancels a re-profile in progress and refuses new ones until the returned function is called (the user's own profile is being measured). */
  async pause(): Promise<() => void> {
    this.#pauses++;
    await this.cancel();
    let resumed = false;
    return () => {
      if (!resumed) this.#pauses--;
      resumed = true;
    };
  }

  async dispose(): Promise<void> {
    await this.cancel();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async #runInBackground(reason: string, signal: AbortSignal): Promise<void> {
    const { log, status } = this.#options;
    const headline = `re-profiling: predictions drifted (${reason})`;
    try {
      await this.#waitForQuiet(signal);
      signal.throwIfAborted();
      log.info(`${headline}; completions keep using the current profile meanwhile`);
      status(headline);
      await this.#options.run(signal, (message) => status(`${headline}: ${message}`));
      log.info("re-profiling finished: the new profile is in use");
    } catch (error) {
      if (signal.aborted) log.info("re-profiling cancelled: the current profile stays");
      else log.warn(`re-profiling failed, the current profile stays: ${errorMessageOf(error)}`);
    } finally {
      status(undefined);
    }
  }

  /** Until no completion was served for the quiet period. */
  async #waitForQuiet(signal: AbortSignal): Promise<void> {
    const quietMs = this.#options.quietMs ?? REPROFILE_QUIET_MS;
    const sleep = this.#options.sleep ?? ((ms: number, s: AbortSignal) => delay(ms, undefined, { signal: s }));
    for (;;) {
      signal.throwIfAborted();
      const waited = this.#now() - this.#lastServedAt;
      if (waited >= quietMs) return;
      await sleep(quietMs - waited, signal);
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
