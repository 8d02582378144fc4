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
 * What the profiler calibrates on under `configspec.profiling.corpus`: the workspace (default: the
 * first of its folders holding enough code), the bundled sample code, or a folder (relative to
 * the first workspace folder). Without enough source code it falls back to the bundled code and
 * says why: acceptance measured on two files is not the user's.
 */
export async function resolveCalibrationCorpus(setting: string, workspaceFolders: readonly string[]): Promise<CalibrationCorpus> {
  if (setting === BUNDLED_CORPUS) return bundled();
  if (setting !== WORKSPACE_CORPUS) {
    const dir = isAbsolute(setting) ? setting : workspaceFolders[0] && resolve(workspaceFolders[0], setting);
    if (dir === undefined) return bundled(`${setting} is relative and no workspace folder is open`);
    const checked = await checkFolder(dir);
    return typeof checked === "string" ? bundled(checked) : chosen(`the folder ${dir}`, dir, checked);
  }
  if (workspaceFolders.length === 0) return bundled("no workspace folder is open");
  const reasons: string[] = [];
  for (const dir of workspaceFolders) {
    const checked = await checkFolder(dir);
    if (typeof checked !== "string") return chosen(`the workspace ${dir}`, dir, checked);
    reasons.push(checked);
  }
  return bundled(reasons.join("; "));
}

/** The folder's count of source files when it holds enough code, else why not. */
async function checkFolder(dir: string): Promise<number | string> {
  try {
    const files = await readCorpus(dir);
    const chars = files.reduce((n, f) => n + f.text.length, 0);
    if (files.length >= MIN_CORPUS_FILES && chars >= MIN_CORPUS_CHARS) return files.length;
    return `${dir} holds too little code (${files.length} source files, ${chars} characters; at least ${MIN_CORPUS_FILES} files and ${MIN_CORPUS_CHARS} characters)`;
  } catch (error) {
    return `${dir} cannot be read as code (${errorMessageOf(error)})`;
  }
}

function chosen(what: string, dir: string, files: number): CalibrationCorpus {
  const description = `${what} (${files} source files)`;
  return { dir, description, progress: `calibrating on ${description}` };
}

function bundled(fallback?: string): CalibrationCorpus {
  const description = "the bundled sample code";
  return { dir: undefined, description, ...(fallback ? { fallback } : {}), progress: `calibrating on ${description}${fallback ? ` (${fallback})` : ""}` };
}
