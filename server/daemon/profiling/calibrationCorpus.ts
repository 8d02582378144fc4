import { isAbsolute, resolve } from "node:path";
import { readCorpus } from "../../corpus/codeCorpus.js";
import { errorMessageOf } from "../../util/errorMessage.js";

/** `configspec.profiling.corpus` values that are not a folder path. */
export const WORKSPACE_CORPUS = "workspace";
export const BUNDLED_CORPUS = "bundled";
/** Fewer source files than this cannot stand for the user's code: calibration prompts would repeat two or three files. */
export const MIN_CORPUS_FILES = 4;
/** Nor can less code than this (a few short files). */
export const MIN_CORPUS_CHARS = 8_000;

export interface CalibrationCorpus {
  /** The folder calibration prompts are cut from; undefined: the bundled sample code. */
  dir: string | undefined;
  /** What the profile is calibrated on, in words, for the progress and the log. */
  description: string;
  /** Why the bundled code is used instead of what the setting asked for, when it is. */
  fallback?: string;
  /** "calibrating on …" with the fallback's reason, for the progress and the log. */
  progress: string;
}

/**
 * What the profiler calibrates on under `configspec.profiling.corpus`: the workspace (default),
 * the bundled sample code, or a folder. A workspace or folder without enough source code falls
 * back to the bundled code, and says why: acceptance measured on two files is not the user's.
 */
export async function resolveCalibrationCorpus(setting: string, workspaceFolder: string | undefined): Promise<CalibrationCorpus> {
  const description = "the bundled sample code";
  const bundled = (fallback?: string): CalibrationCorpus => ({ dir: undefined, description, ...(fallback ? { fallback } : {}), progress: `calibrating on ${description}${fallback ? ` (${fallback})` : ""}` });
  if (setting === BUNDLED_CORPUS) return bundled();
  const asked = setting === WORKSPACE_CORPUS ? workspaceFolder : isAbsolute(setting) ? setting : workspaceFolder && resolve(workspaceFolder, setting);
  if (asked === undefined) return bundled(setting === WORKSPACE_CORPUS ? "no workspace folder is open" : `${setting} is relative and no workspace folder is open`);
  try {
    const files = await readCorpus(asked);
    const chars = files.reduce((n, f) => n + f.text.length, 0);
    if (files.length < MIN_CORPUS_FILES || chars < MIN_CORPUS_CHARS) {
      return bundled(`${asked} holds too little code (${files.length} source files, ${chars} characters; at least ${MIN_CORPUS_FILES} files and ${MIN_CORPUS_CHARS} characters)`);
    }
    const chosen = `${setting === WORKSPACE_CORPUS ? "the workspace" : "the folder"} ${asked} (${files.length} source files)`;
    return { dir: asked, description: chosen, progress: `calibrating on ${chosen}` };
  } catch (error) {
    return bundled(`${asked} cannot be read as code (${errorMessageOf(error)})`);
  }
}
