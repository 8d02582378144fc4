import type { PowerMeter } from "./power/powerMeter.js";

/** Joules and milliseconds metered under one label (drafting by a drafter, waiting on the verifier). */
export interface EnergyTotal {
  joules: number;
  ms: number;
}

/**
 * Meters the profiler's own work call by call, so drafting and waiting power come from the very
 * calls the model predicts (drafts at completion context lengths, verification round trips)
 * rather than from a synthetic load. Without a meter it runs the work unmetered.
 */
export class PowerTally {
  readonly #totals = new Map<string, EnergyTotal>();

  constructor(readonly meter: PowerMeter | undefined) {}

  async measure<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.meter) return work();
    const { result, power } = await this.meter.measure(work);
    const total = this.#totals.get(label) ?? { joules: 0, ms: 0 };
    total.joules += power.joules;
    total.ms += power.durationMs;
    this.#totals.set(label, total);
    return result;
  }

  /** Mean watts under a label; undefined when nothing was metered there. */
  watts(label: string): number | undefined {
    const total = this.#totals.get(label);
    return total && total.ms > 0 ? (total.joules * 1000) / total.ms : undefined;
  }

  /** Mean watts over every label matching `prefix`. */
  wattsMatching(prefix: string): number | undefined {
    let joules = 0;
    let ms = 0;
    for (const [label, total] of this.#totals) {
      if (!label.startsWith(prefix)) continue;
      joules += total.joules;
      ms += total.ms;
    }
    return ms > 0 ? (joules * 1000) / ms : undefined;
  }
}

export const WAITING_LABEL = "waiting";
export const draftingLabel = (drafterId: string, threads: number) => `drafting:${drafterId}:${threads}`;
