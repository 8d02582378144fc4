import { bundledCorpusDir, cutCompletionPrompts, readCorpus, type CompletionCut } from "../corpus/codeCorpus.js";

/**
 * Cursor positions the profiler calibrates on; validation uses another seed so its prompts are held
 * back. Two per file of the bundled corpus (cuts cycle through the files): with 10, two files
 * weighed double against the held-back set's one prompt per file, and acceptance differs a lot
 * between files — the calibration mix must be the held-back mix.
 */
export const DEFAULT_CALIBRATION_PROMPTS = 16;
export const DEFAULT_CALIBRATION_SEED = 7;
export const DEFAULT_VALIDATION_SEED = 1009;

export interface CalibrationOptions {
  /** The user's workspace folder; default (or when it holds no source): the bundled corpus. */
  corpusDir?: string;
  count?: number;
  seed?: number;
}

export interface CalibrationSet {
  cuts: CompletionCut[];
  /** Where the code came from, for the report. */
  source: string;
}

/**
 * Completion prompts cut from real code: the user's own workspace when given (acceptance depends
 * on the code a drafter sees), the bundled sample corpus otherwise.
 */
export async function calibrationCuts(options: CalibrationOptions = {}): Promise<CalibrationSet> {
  const count = options.count ?? DEFAULT_CALIBRATION_PROMPTS;
  const seed = options.seed ?? DEFAULT_CALIBRATION_SEED;
  if (options.corpusDir !== undefined) {
    try {
      const files = await readCorpus(options.corpusDir);
      return { cuts: cutCompletionPrompts(files, count, seed), source: options.corpusDir };
    } catch (error) {
      // A workspace without (long enough) source files: calibrate on the sample corpus instead.
      if (!(error instanceof Error) || !/no (source files|corpus file)/.test(error.message)) throw error;
    }
  }
  const dir = bundledCorpusDir();
  return { cuts: cutCompletionPrompts(await readCorpus(dir), count, seed), source: `${dir} (bundled)` };
}
