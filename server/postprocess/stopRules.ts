import { repeatedPhraseCut, repeatsPreviousLine } from "./repetition.js";

/**
 * Stop rules: where a completion should end, given the text around the cursor. Pure; used
 * twice — as the engine's `shouldStop` (ends generation early, on complete lines only) and as
 * the final post-processing of its output.
 */

/** The cursor's surroundings that the rules look at. */
export interface CursorContext {
  /** The cursor's line, before the cursor. */
  linePrefix: string;
  /** The cursor's line, after the cursor. */
  lineSuffix: string;
  /** The last non-blank line above the cursor's line ("" if none). */
  previousLine: string;
  /** The first non-blank line below the cursor's line ("" if none). */
  nextLine: string;
}

/**
 * - `singleLine`: the cursor is inside a line with text after it → one line.
 * - `block`: the cursor ends (or sits on a blank line after) a line opening a block → lines
 *   until the block dedents, plus its closing line.
 * - `nextLine`: anywhere else → up to the end of the first non-blank line.
 * In every mode a line ends where a phrase in it repeats back to back, and a line said again
 * right after itself is dropped (`repeatsItself`, ./repetition.ts).
 */
export type StopMode = "singleLine" | "block" | "nextLine";

export type StopRule = "lineEnd" | "blockEnd" | "repeatsSuffix" | "repeatsItself";

export interface StopRuleResult {
  text: string;
  /** The rule that cut the text, null if none did (yet). */
  stoppedBy: StopRule | null;
}

/** How many lines to look above/below the cursor for the neighbouring non-blank line. */
const NEIGHBOUR_SCAN_LINES = 50;
/** Tab width used to compare indentation. */
const TAB_COLUMNS = 4;

/** A line ending one of these opens a block: `{ ( [`, Python's `:`, arrows, `do`/`then`/`begin`. */
const BLOCK_OPENER = /(?:[{([:]|=>|->|\b(?:do|then|begin|else))\s*$/;
/** A line made only of closing brackets and punctuation (`}`, `});`, `]`, `end`). */
const CLOSING_LINE = /^\s*(?:[}\])]+[;,)]*|end)\s*$/;

export function cursorContextOf(prefix: string, suffix: string): CursorContext {
  const prefixLines = prefix.split("\n");
  const suffixLines = suffix.split("\n");
  const above = prefixLines.slice(Math.max(0, prefixLines.length - 1 - NEIGHBOUR_SCAN_LINES), -1).reverse();
  const below = suffixLines.slice(1, 1 + NEIGHBOUR_SCAN_LINES);
  return {
    linePrefix: prefixLines.at(-1) ?? "",
    lineSuffix: suffixLines[0] ?? "",
    previousLine: above.find((line) => line.trim() !== "") ?? "",
    nextLine: below.find((line) => line.trim() !== "") ?? "",
  };
}

function indentColumns(line: string): number {
  let columns = 0;
  for (const char of line) {
    if (char === " ") columns += 1;
    else if (char === "\t") columns += TAB_COLUMNS;
    else break;
  }
  return columns;
}

export function stopModeOf(context: CursorContext): StopMode {
  if (context.lineSuffix.trim() !== "") return "singleLine";
  const openingLine = context.linePrefix.trim() !== "" ? context.linePrefix : context.previousLine;
  return BLOCK_OPENER.test(openingLine) ? "block" : "nextLine";
}

/**
 * Applies the stop rules to generated text. With `final: false` (text still being generated)
 * only complete lines — those followed by a newline — are judged, so a decision never has to
 * be taken back; with `final: true` the last line counts as complete too.
 */
export function applyStopRules(text: string, context: CursorContext, options: { final: boolean }): StopRuleResult {
  const mode = stopModeOf(context);
  const lines = text.split("\n");
  const completeLines = options.final ? lines.length : lines.length - 1;
  const nextLine = context.nextLine.trim();
  const cursorLineBlank = context.linePrefix.trim() === "";
  const openingLine = cursorLineBlank ? context.previousLine : context.linePrefix;
  const baseIndent = indentColumns(openingLine);
  const cut = (keptLines: number, stoppedBy: StopRule): StopRuleResult => ({ text: lines.slice(0, keptLines).join("\n"), stoppedBy });

  // On a blank cursor line the line above counts as said just before.
  let lastSaidLine: string | undefined = cursorLineBlank ? context.previousLine : undefined;
  for (let i = 0; i < completeLines; i++) {
    const line = lines[i] ?? "";
    // Line 0 continues the cursor's line; on a blank cursor line it is a fresh line of its own.
    const freshLine = i > 0 || cursorLineBlank;
    const fullLine = i === 0 ? context.linePrefix + line : line;
    const phraseCut = repeatedPhraseCut(line);
    if (phraseCut !== null) return { text: [...lines.slice(0, i), line.slice(0, phraseCut).trimEnd()].join("\n"), stoppedBy: "repeatsItself" };
    if (freshLine && repeatsPreviousLine(fullLine, lastSaidLine)) return cut(i, "repeatsItself");
    if (fullLine.trim() !== "") lastSaidLine = fullLine;
    if (mode === "singleLine") {
      return i < lines.length - 1 ? cut(1, "lineEnd") : { text, stoppedBy: null };
    }
    if (freshLine && nextLine !== "" && fullLine.trim() === nextLine) return cut(i, "repeatsSuffix");
    if (line.trim() === "") continue;
    if (mode === "nextLine") {
      return i < lines.length - 1 ? cut(i + 1, "lineEnd") : { text, stoppedBy: null };
    }
    if (freshLine && indentColumns(fullLine) <= baseIndent) {
      // The block dedented: keep a closing line (`}`) unless the suffix already has it.
      return CLOSING_LINE.test(fullLine) ? cut(i + 1, "blockEnd") : cut(i, "blockEnd");
    }
  }
  return { text, stoppedBy: null };
}

/** Trailing whitespace off every line and off the end. */
export function trimTrailingWhitespace(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();
}

/**
 * The final post-processing of a completion: stop rules, then (inside a line) drop a tail
 * that repeats the text after the cursor, then trailing whitespace.
 */
export function postprocessCompletion(text: string, context: CursorContext): StopRuleResult {
  const stopped = applyStopRules(text, context, { final: true });
  let result = stopped.text;
  let stoppedBy = stopped.stoppedBy;
  const lineSuffix = context.lineSuffix.trim();
  if (lineSuffix !== "" && result.trimEnd().endsWith(lineSuffix)) {
    result = result.trimEnd().slice(0, -lineSuffix.length);
    stoppedBy = "repeatsSuffix";
  }
  result = trimTrailingWhitespace(result);
  // A completion of only whitespace is no completion.
  return { text: result.trim() === "" ? "" : result, stoppedBy };
}

/** The engine's `shouldStop`: true once a stop rule has cut a complete line. */
export function stopRulePredicate(context: CursorContext): (generatedText: string) => boolean {
  return (generatedText) => applyStopRules(generatedText, context, { final: false }).stoppedBy !== null;
}
