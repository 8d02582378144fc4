import { AsyncLocalStorage } from "node:async_hooks";

// The delayed fetch sits below the openai client, which knows nothing of our calls; an async
// context is the one way to attribute its waits to the call that caused them when calls overlap.
const activeMeter = new AsyncLocalStorage<InjectedDelayMeter>();

/** Sums the emulated network delay spent by every fetch started inside {@link run}. */
export class InjectedDelayMeter {
  private total = 0;

  /** Milliseconds of injected delay measured so far (wall clock of the waits). */
  get totalMs(): number {
    return this.total;
  }

  run<T>(fn: () => T): T {
    return activeMeter.run(this, fn);
  }

  add(ms: number): void {
    this.total += ms;
  }
}

/** Called by the delayed fetch: charges `ms` to the meter of the current call, if any. */
export function recordInjectedDelay(ms: number): void {
  activeMeter.getStore()?.add(ms);
}
