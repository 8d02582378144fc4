/**
 * Repetition in generated text: a phrase said twice back to back inside a line ("the same the
 * same"), or a line said again right after itself. Small models loop like this under greedy
 * decoding; a suggestion ends where the loop starts, the way Continue's autocomplete stops at
 * repeating lines (continuedev/continue, core/autocomplete/filtering/streamTransforms/lineStream.ts,
 * `stopAtRepeatingLines`). Pure, judged one line at a time, so a cut never depends on text after it.
 */

/** A word: an identifier-like run of at least two characters (`x`, `0x1` and `a` are not words). */
const WORD = /[A-Za-z_][A-Za-z0-9_]+/g;

/** The shortest and longest phrase looked for. */
const MIN_PHRASE_CHARS = 3;
const MAX_PHRASE_CHARS = 80;

function wordCount(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/**
 * The text at `at` says `phrase` again. At the end of the line the last saying may drop its
 * trailing whitespace ("the same the same").
 */
function saysAgain(line: string, at: number, phrase: string): boolean {
  if (line.startsWith(phrase, at)) return true;
  const bare = phrase.trimEnd();
  return bare !== phrase && bare !== "" && line.length - at === bare.length && line.endsWith(bare);
}

/** Punctuation said this many times back to back is a loop (`" + " + " + …`), fewer is code. */
const PUNCTUATION_LOOP_SAYINGS = 6;

/** How many times `phrase` is said back to back from `start`, its first saying included. */
function sayings(line: string, start: number, phrase: string, atMost: number): number {
  let count = 1;
  while (count < atMost && line.startsWith(phrase, start + count * phrase.length)) count++;
  if (count < atMost && saysAgain(line, start + count * phrase.length, phrase)) count++;
  return count;
}

/**
 * A phrase repeats if, back to back, it is said twice with two or more words in it ("the same
 * the same", "`name` is a `name` is a"), three times with one word ("not not not"), or six times
 * with punctuation of two or more kinds alone (`" + " + " + " + " + "`). Numbers and a single
 * character never count: `0, 0, 0, 0` and `----------` are code.
 */
function repeatsAt(line: string, start: number, length: number): boolean {
  if (line[start] !== line[start + length]) return false; // most candidates end here, cheaply
  const phrase = line.slice(start, start + length);
  if (phrase.trim() === "" || !saysAgain(line, start + length, phrase)) return false;
  const words = wordCount(phrase);
  if (words >= 2) return true;
  if (words === 1) return sayings(line, start, phrase, 3) >= 3;
  const punctuationOnly = !/[A-Za-z0-9]/.test(phrase) && new Set(phrase.replace(/\s/g, "")).size >= 2;
  return punctuationOnly && sayings(line, start, phrase, PUNCTUATION_LOOP_SAYINGS) >= PUNCTUATION_LOOP_SAYINGS;
}

/**
 * The column where a line's first back-to-back repeated phrase ends its first saying (the text
 * up to there is kept), or null when nothing in the line repeats.
 */
export function repeatedPhraseCut(line: string): number | null {
  for (let start = 0; start < line.length; start++) {
    const longest = Math.min(MAX_PHRASE_CHARS, Math.floor((line.length - start + 1) / 2));
    for (let length = MIN_PHRASE_CHARS; length <= longest; length++) {
      if (repeatsAt(line, start, length)) return start + length;
    }
  }
  return null;
}

/** A non-blank line equal, indentation included, to the line generated right before it. */
export function repeatsPreviousLine(line: string, previous: string | undefined): boolean {
  return previous !== undefined && line.trim() !== "" && line === previous;
}
