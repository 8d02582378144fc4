import { SeededRandom } from "../../util/seededRandom.js";

/**
 * A seeded model of a person typing code, for the typing benchmark: inter-key times, pauses at
 * line ends and after punctuation, occasional typos fixed with a backspace, Enter with the
 * editor's auto-indent. Parameters are from keystroke studies of programmers (Dhakal et al.,
 * "Observations on Typing from 136 Million Keystrokes", CHI 2018: median inter-key interval
 * ~120 ms for average typists, lognormal-shaped; 2–3 % of keystrokes are corrections).
 */
export interface TypingTimingOptions {
  /** Median time between two keys inside a word. Default {@link DEFAULT_INTER_KEY_MS}. */
  interKeyMs?: number;
  /** Median pause at a line end (after Enter, before the next line). Default {@link DEFAULT_LINE_END_PAUSE_MS}. */
  lineEndPauseMs?: number;
  /** Median pause after punctuation, when one is taken. Default {@link DEFAULT_PUNCTUATION_PAUSE_MS}. */
  punctuationPauseMs?: number;
  /** Share of punctuation keys followed by a pause. Default {@link DEFAULT_PUNCTUATION_PAUSE_SHARE}. */
  punctuationPauseShare?: number;
  /** Share of letters typed wrong, then deleted with one backspace. Default {@link DEFAULT_TYPO_SHARE}. */
  typoShare?: number;
}

/** Median inter-key time inside a line (~110 ms per character, the pace the issue measured at). */
export const DEFAULT_INTER_KEY_MS = 110;
/** Median pause at a line end: long enough to read a suggestion, as people do between statements. */
export const DEFAULT_LINE_END_PAUSE_MS = 1_500;
export const DEFAULT_PUNCTUATION_PAUSE_MS = 600;
export const DEFAULT_PUNCTUATION_PAUSE_SHARE = 0.25;
export const DEFAULT_TYPO_SHARE = 0.02;
/** Spread (σ of the log) of every lognormal delay. */
const LOG_SPREAD = 0.35;
/** Pauses are clipped to this range so one outlier does not dominate a run. */
const PAUSE_RANGE_MS = [300, 5_000] as const;
/** A gap before the next key at least this long is a pause: where suggestions are judged. */
export const PAUSE_THRESHOLD_MS = 300;
const PUNCTUATION = new Set([..."(),.;:={}[]"]);

/** One edit at the cursor: text inserted, or one character deleted before it. */
export type TypingEdit = { kind: "insert"; text: string } | { kind: "backspace" };

export interface Keystroke {
  /** Wait after the previous keystroke (or the start) before this one. */
  delayMs: number;
  edit: TypingEdit;
  /** Characters of the target text in place after this keystroke (the cursor's offset into it, typos aside). */
  typedLength: number;
  /** Whether the document matches the target's first `typedLength` characters (false between a typo and its backspace). */
  onTrack: boolean;
  /** Wait before the next keystroke (the end of the sitting counts as a long pause). */
  pauseAfterMs: number;
}

function lognormal(random: SeededRandom, median: number): number {
  return median * Math.exp(LOG_SPREAD * random.normal());
}

function clip(value: number, [low, high]: readonly [number, number]): number {
  return Math.max(low, Math.min(high, value));
}

const NEIGHBOUR_KEYS = "asdfghjklqwertyuiopzxcvbnm";

/**
 * The keystrokes that type `target` at the cursor. Enter plus the next line's indentation is one
 * edit (the editor indents); every other character is one key.
 */
export function typingScriptOf(target: string, seed: number, options: TypingTimingOptions = {}): Keystroke[] {
  const random = new SeededRandom(seed);
  const interKey = options.interKeyMs ?? DEFAULT_INTER_KEY_MS;
  const lineEnd = options.lineEndPauseMs ?? DEFAULT_LINE_END_PAUSE_MS;
  const punctuation = options.punctuationPauseMs ?? DEFAULT_PUNCTUATION_PAUSE_MS;
  const punctuationShare = options.punctuationPauseShare ?? DEFAULT_PUNCTUATION_PAUSE_SHARE;
  const typoShare = options.typoShare ?? DEFAULT_TYPO_SHARE;
  const keys: Omit<Keystroke, "pauseAfterMs">[] = [];
  let nextDelay = lognormal(random, interKey);
  let index = 0;
  while (index < target.length) {
    const char = target[index];
    if (char === "\n") {
      // Enter: the newline and the indentation the editor inserts, then a pause to read and think.
      let end = index + 1;
      while (end < target.length && (target[end] === " " || target[end] === "\t")) end++;
      keys.push({ delayMs: nextDelay, edit: { kind: "insert", text: target.slice(index, end) }, typedLength: end, onTrack: true });
      index = end;
      nextDelay = clip(lognormal(random, lineEnd), PAUSE_RANGE_MS);
      continue;
    }
    if (/[a-z]/i.test(char) && random.uniform() < typoShare) {
      const wrong = NEIGHBOUR_KEYS[Math.floor(random.uniform() * NEIGHBOUR_KEYS.length)];
      keys.push({ delayMs: nextDelay, edit: { kind: "insert", text: wrong }, typedLength: index, onTrack: false });
      // Noticing the typo takes a moment; the backspace, then the right key.
      keys.push({ delayMs: lognormal(random, 2.5 * interKey), edit: { kind: "backspace" }, typedLength: index, onTrack: true });
      nextDelay = lognormal(random, 1.5 * interKey);
    }
    keys.push({ delayMs: nextDelay, edit: { kind: "insert", text: char }, typedLength: index + 1, onTrack: true });
    index++;
    nextDelay = PUNCTUATION.has(char) && random.uniform() < punctuationShare ? clip(lognormal(random, punctuation), PAUSE_RANGE_MS) : lognormal(random, interKey);
  }
  return keys.map((key, i) => ({ ...key, pauseAfterMs: keys[i + 1]?.delayMs ?? PAUSE_RANGE_MS[1] }));
}

/** Whether the typist pauses after this keystroke (a suggestion has time to matter). */
export function isPause(key: Keystroke): boolean {
  return key.onTrack && key.pauseAfterMs >= PAUSE_THRESHOLD_MS;
}

/** Where a sitting types: `target` inserted at `offset` of a file whose other text is already there. */
export interface TypingRegion {
  file: string;
  languageId: string;
  /** The document before the typed region. */
  before: string;
  /** The text typed. */
  target: string;
  /** The document after the typed region (already written: completions see it as the suffix). */
  after: string;
}

/**
 * A region of `chars` characters (whole lines) to type, starting at a seeded line at least
 * `minPrefixChars` into the file, so completions have real context before and after.
 */
export function typingRegionOf(file: { relativePath: string; text: string }, chars: number, seed: number, minPrefixChars = 400): TypingRegion | undefined {
  const random = new SeededRandom(seed);
  const text = file.text;
  const lineStarts: number[] = [];
  for (let i = 0; i < text.length; i++) if (i === 0 || text[i - 1] === "\n") lineStarts.push(i);
  const candidates = lineStarts.filter((start) => start >= Math.min(minPrefixChars, text.length / 3) && start + chars <= text.length);
  if (candidates.length === 0) return undefined;
  const start = candidates[Math.floor(random.uniform() * candidates.length)];
  // End at a line end so the suffix starts on a fresh line.
  let end = text.indexOf("\n", start + chars);
  if (end === -1) end = text.length;
  // Start typing after the indentation already there (the line was opened with Enter).
  let typedFrom = start;
  while (text[typedFrom] === " " || text[typedFrom] === "\t") typedFrom++;
  return { file: file.relativePath, languageId: languageIdOf(file.relativePath), before: text.slice(0, typedFrom), target: text.slice(typedFrom, end), after: text.slice(end) };
}

const LANGUAGE_IDS: Record<string, string> = { py: "python", ts: "typescript", js: "javascript", go: "go", rs: "rust", java: "java", c: "c", h: "c", cpp: "cpp" };

export function languageIdOf(path: string): string {
  return LANGUAGE_IDS[path.split(".").at(-1) ?? ""] ?? "plaintext";
}
