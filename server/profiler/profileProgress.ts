/** The phases of a profiling run, in order. */
export type ProfilePhase = "prepare" | "load" | "verifier" | "alignment" | "threads" | "done";

export interface ProfileProgress {
  phase: ProfilePhase;
  message: string;
  /** 0–100 over the whole run. */
  percentage: number;
}

export type ProfileProgressListener = (progress: ProfileProgress) => void;

/**
 * Share of the run's wall time each phase takes on the generated family (measured): the
 * percentage advances with the work, not with the phase count, so a progress bar moves evenly.
 */
const PHASE_SPANS: Readonly<Record<ProfilePhase, [number, number]>> = {
  prepare: [0, 2],
  load: [2, 12],
  verifier: [12, 25],
  alignment: [25, 90],
  threads: [90, 99],
  done: [100, 100],
};

/** A reporter for one phase: `report(fraction, message)` maps the phase's 0..1 onto the run's percentage. */
export function phaseReporter(listener: ProfileProgressListener | undefined, phase: ProfilePhase) {
  const [from, to] = PHASE_SPANS[phase];
  return (fraction: number, message: string): void => {
    const clamped = Math.min(1, Math.max(0, fraction));
    listener?.({ phase, message, percentage: from + (to - from) * clamped });
  };
}
