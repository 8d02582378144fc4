/**
 * How long to wait after a keystroke before computing a completion, learnt from the typist.
 * A request is worth starting once a pause is more likely than another key: with π the share of
 * keystrokes of this kind followed by a pause, and F the distribution of the typist's inter-key
 * times, P(pause | no key for d ms) = π / (π + (1 − π)(1 − F(d))) ≥ ½ ⇔ d ≥ F⁻¹(1 − π / (1 − π)).
 * Where pauses are usual (a fresh line, π ≥ ½) the engine starts at once; mid-word it waits until
 * the gap is longer than nearly every gap between two keys of this typist.
 */

/** Where the cursor is after the keystroke: pauses are far more likely at some places than others. */
export type KeystrokeKind = "lineStart" | "boundary" | "word";

/** A gap between two keystrokes at least this long is a pause (people read suggestions then). Default 400 ms. */
export const PAUSE_GAP_MS = 400;
/** Gaps longer than this are not typing at all (the user left): not counted. */
const IGNORED_GAP_MS = 30_000;
/** Typing gaps kept to estimate F (the most recent ones: a typist speeds up and slows down). */
const GAP_WINDOW = 128;
/** Typing gaps needed before the learnt wait replaces the configured one. */
const MIN_GAPS = 16;
/** The learnt wait is kept within these bounds: never later than a pause is sure, never a busy loop. */
export const MIN_WAIT_MS = 10;
/** Mid-line the wait is at least this (timer jitter on a fast typist's gaps would otherwise fire runs). */
export const MIN_MID_LINE_WAIT_MS = 30;
export const MAX_WAIT_MS = 400;
/** Margin over the learnt gap quantile: the quantile is estimated from few gaps. */
const QUANTILE_MARGIN = 1.2;
/** Prior pause shares (pseudo-counts: pauses, keys) per kind, from the typing benchmark's human model. */
const PRIOR: Record<KeystrokeKind, [number, number]> = { lineStart: [3, 1], boundary: [1, 3], word: [1, 19] };
const BOUNDARY = /[\s(),.;:={}[\]<>+\-*/&|!?"'`]$/;

export function keystrokeKindOf(linePrefix: string): KeystrokeKind {
  if (linePrefix.trim() === "") return "lineStart";
  return BOUNDARY.test(linePrefix) ? "boundary" : "word";
}

interface LastKeystroke {
  at: number;
  kind: KeystrokeKind;
}

export class AdaptiveDebounce {
  readonly #gaps: number[] = [];
  readonly #pauses: Record<KeystrokeKind, [number, number]> = { lineStart: [0, 0], boundary: [0, 0], word: [0, 0] };
  readonly #last = new Map<string, LastKeystroke>();

  /** Records a keystroke (an automatic request) in `documentKey` at `now`, of `kind`. */
  observe(documentKey: string, kind: KeystrokeKind, now = performance.now()): void {
    const last = this.#last.get(documentKey);
    this.#last.set(documentKey, { at: now, kind });
    if (!last) return;
    const gap = now - last.at;
    if (gap > IGNORED_GAP_MS) return;
    const counts = this.#pauses[last.kind];
    if (gap >= PAUSE_GAP_MS) counts[0]++;
    else {
      counts[1]++;
      this.#gaps.push(gap);
      if (this.#gaps.length > GAP_WINDOW) this.#gaps.shift();
    }
  }

  forget(documentKey: string): void {
    this.#last.delete(documentKey);
  }

  /** Share of keystrokes of `kind` followed by a pause (prior included). */
  pauseShare(kind: KeystrokeKind): number {
    const [priorPauses, priorKeys] = PRIOR[kind];
    const [pauses, keys] = this.#pauses[kind];
    return (pauses + priorPauses) / (pauses + keys + priorPauses + priorKeys);
  }

  /** The wait before computing a completion after a keystroke of `kind`; `fallbackMs` until enough gaps are measured. */
  waitMs(kind: KeystrokeKind, fallbackMs: number): number {
    if (fallbackMs <= 0) return 0; // debouncing is off
    if (this.#gaps.length < MIN_GAPS) return fallbackMs;
    const pause = this.pauseShare(kind);
    if (pause >= 0.5) return MIN_WAIT_MS;
    const quantile = 1 - pause / (1 - pause);
    const sorted = [...this.#gaps].sort((a, b) => a - b);
    const gap = sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
    return Math.round(Math.max(MIN_MID_LINE_WAIT_MS, Math.min(MAX_WAIT_MS, QUANTILE_MARGIN * gap)));
  }
}
