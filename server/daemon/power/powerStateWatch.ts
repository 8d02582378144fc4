import type { ReadOnBattery } from "../../profiler/power/onBatteryReader.js";

/** How often the power state is read, ms: unplugging shows within this. Default 15 s. */
export const DEFAULT_POWER_POLL_MS = 15_000;

export interface PowerStateWatchOptions {
  /** The live power state (server/profiler/power/onBatteryReader.ts; tests pass a fake). */
  read: ReadOnBattery;
  /** Called with the new state whenever it differs from the last one read (the first read included). */
  onChange: (onBattery: boolean | null) => void;
  /** Default {@link DEFAULT_POWER_POLL_MS}. */
  pollMs?: number;
}

/**
 * Follows whether the machine runs on battery, for the `auto` objective ("battery when
 * unplugged, else latency"): reads it now and then every `pollMs`, and reports changes. A read
 * that fails counts as "cannot tell" (null), never as a crash.
 */
export class PowerStateWatch {
  readonly #options: PowerStateWatchOptions;
  #onBattery: boolean | null = null;
  #read = false;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(options: PowerStateWatchOptions) {
    this.#options = options;
  }

  /** The last state read; null before the first read and when the platform cannot tell. */
  get onBattery(): boolean | null {
    return this.#onBattery;
  }

  /** Reads now, then keeps reading every `pollMs` until disposed. */
  async start(): Promise<void> {
    if (this.#timer !== undefined || this.#disposed) return;
    const poll = () => {
      this.#timer = setTimeout(() => void this.refresh().finally(() => !this.#disposed && poll()), this.#options.pollMs ?? DEFAULT_POWER_POLL_MS);
      this.#timer.unref();
    };
    await this.refresh();
    if (!this.#disposed) poll();
  }

  /** Reads the state once and reports it if it changed. */
  async refresh(): Promise<void> {
    let state: boolean | null;
    try {
      state = await this.#options.read();
    } catch {
      state = null;
    }
    if (this.#disposed || (this.#read && state === this.#onBattery)) return;
    this.#read = true;
    this.#onBattery = state;
    this.#options.onChange(state);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }
}
