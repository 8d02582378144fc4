import type { PowerSourceKind } from "../../profile/profileSchema.js";

/** A meter that counts energy: cumulative joules since an arbitrary origin (RAPL, CPU-time estimate). */
export interface EnergyCounterSource {
  readonly mode: "counter";
  readonly kind: PowerSourceKind;
  readonly label: string;
  /**
   * Monotonic cumulative joules; counter wraparound is the source's job. `atMs`: the sample's
   * timestamp (performance.now); a source that computes from a clock uses it, so its joules and
   * the sample's time agree.
   */
  readJoules(atMs?: number): Promise<number>;
}

/** A meter that reports instantaneous power (battery discharge rate). */
export interface PowerGaugeSource {
  readonly mode: "gauge";
  readonly kind: PowerSourceKind;
  readonly label: string;
  readWatts(): Promise<number>;
}

export type PowerSource = EnergyCounterSource | PowerGaugeSource;

/** A source that was found but cannot be read now (battery charging, counter gone). */
export class PowerSourceUnavailableError extends Error {
  constructor(
    readonly kind: PowerSourceKind,
    readonly reason: string,
  ) {
    super(`Power source ${kind} unavailable: ${reason}`);
    this.name = "PowerSourceUnavailableError";
  }
}
