import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { SeededRandom } from "../util/seededRandom.js";
import { packageRoot } from "../util/packageRoot.js";

/** Source extensions read from a corpus folder (the user's workspace or the bundled one). */
const SOURCE_EXTENSIONS = new Set([".py", ".ts", ".js", ".tsx", ".go", ".rs", ".java", ".c", ".h", ".cpp", ".cs", ".rb", ".kt", ".swift", ".php"]);
const SKIPPED_FOLDERS = new Set(["node_modules", ".git", "dist", "build", "out", "target", ".cache", "vendor"]);
/** Files larger than this are skipped: generated or minified code is no calibration material. */
const MAX_FILE_BYTES = 256 * 1024;

export interface CorpusFile {
  path: string;
  relativePath: string;
  text: string;
}

export interface CompletionCut {
  file: string;
  /** JavaScript string index of the cursor. */
  offset: number;
  prefix: string;
  suffix: string;
}

export function bundledCorpusDir(): string {
  return join(packageRoot(), "corpus");
}

/** Reads source files under `dir` (sorted, so cuts are reproducible), at most `maxFiles`. */
export async function readCorpus(dir: string, maxFiles = 200): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (files.length >= maxFiles) return;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith(".")) await walk(path);
      } else if (entry.isFile() && SOURCE_EXTENSIONS.has(extname(entry.name))) {
        if ((await stat(path)).size > MAX_FILE_BYTES) continue;
        files.push({ path, relativePath: relative(dir, path), text: await readFile(path, "utf8") });
      }
    }
  };
  await walk(dir);
  if (files.length === 0) throw new Error(`no source files found under ${dir}`);
  return files;
}

/**
 * Cursor positions at seeded random offsets, at least `minPrefixChars` into a file, placed
 * at the end of a line or inside it the way a user pauses while typing.
 */
export function cutCompletionPrompts(files: readonly CorpusFile[], count: number, seed: number, minPrefixChars = 40): CompletionCut[] {
  const random = new SeededRandom(seed);
  const usable = files.filter((f) => f.text.length > minPrefixChars + 10);
  if (usable.length === 0) throw new Error("no corpus file is long enough to cut prompts from");
  const cuts: CompletionCut[] = [];
  for (let i = 0; i < count; i++) {
    const file = usable[i % usable.length];
    let offset = minPrefixChars + Math.floor(random.uniform() * (file.text.length - minPrefixChars - 1));
    // Never split a surrogate pair: the cursor sits between code points.
    if (/[\uDC00-\uDFFF]/.test(file.text[offset] ?? "")) offset--;
    cuts.push({ file: file.relativePath, offset, prefix: file.text.slice(0, offset), suffix: file.text.slice(offset) });
  }
  return cuts;
}
