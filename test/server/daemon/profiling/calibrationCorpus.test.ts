import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { MIN_CORPUS_CHARS, MIN_CORPUS_FILES, resolveCalibrationCorpus } from "../../../../server/daemon/profiling/calibrationCorpus.js";
import { tempDir } from "../../../helpers/tempDir.js";

/** A folder of `files` source files of `chars` characters each. */
async function project(files: number, chars: number): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "src"));
  const line = "export const value = compute(input, options);\n";
  for (let i = 0; i < files; i++) await writeFile(join(dir, "src", `m${i}.ts`), line.repeat(Math.ceil(chars / line.length)).slice(0, chars));
  return dir;
}

test("the workspace is the corpus by default when it holds enough code", async () => {
  const dir = await project(MIN_CORPUS_FILES, MIN_CORPUS_CHARS / 2);
  const corpus = await resolveCalibrationCorpus("workspace", [dir]);
  assert.equal(corpus.dir, dir);
  assert.equal(corpus.fallback, undefined);
  assert.match(corpus.description, new RegExp(`the workspace .* \\(${MIN_CORPUS_FILES} source files\\)`));
});

test("too little code, no folder open, or an unreadable folder: the bundled code, and why", async () => {
  const small = await project(MIN_CORPUS_FILES - 1, MIN_CORPUS_CHARS);
  const tooFew = await resolveCalibrationCorpus("workspace", [small]);
  assert.equal(tooFew.dir, undefined);
  assert.match(tooFew.fallback ?? "", /too little code \(3 source files/);
  const short = await resolveCalibrationCorpus("workspace", [await project(MIN_CORPUS_FILES, 100)]);
  assert.match(short.fallback ?? "", /too little code/);
  assert.match((await resolveCalibrationCorpus("workspace", [])).fallback ?? "", /no workspace folder is open/);
  const missing = await resolveCalibrationCorpus("/nonexistent/configspec-corpus", []);
  assert.equal(missing.dir, undefined);
  assert.match(missing.fallback ?? "", /cannot be read as code/);
  const empty = await resolveCalibrationCorpus("workspace", [await tempDir()]);
  assert.match(empty.fallback ?? "", /cannot be read as code \(no source files/);
});

test("`bundled` turns the workspace off; a folder path (absolute, or relative to the workspace) points elsewhere", async () => {
  const dir = await project(MIN_CORPUS_FILES, MIN_CORPUS_CHARS / 2);
  const bundled = await resolveCalibrationCorpus("bundled", [dir]);
  assert.deepEqual(bundled, { dir: undefined, description: "the bundled sample code", progress: "calibrating on the bundled sample code" });
  assert.equal((await resolveCalibrationCorpus(dir, [])).dir, dir);
  const relative = await resolveCalibrationCorpus("src", [dir]);
  assert.equal(relative.dir, join(dir, "src"));
  assert.match(relative.description, /^the folder /);
});

test("in a multi-root workspace, the first folder holding enough code; none: the bundled code, with each folder's reason", async () => {
  const docs = await tempDir();
  const small = await project(1, 500);
  const code = await project(MIN_CORPUS_FILES, MIN_CORPUS_CHARS / 2);
  const corpus = await resolveCalibrationCorpus("workspace", [docs, small, code]);
  assert.equal(corpus.dir, code);
  const none = await resolveCalibrationCorpus("workspace", [docs, small]);
  assert.equal(none.dir, undefined);
  assert.match(none.fallback ?? "", new RegExp(`${docs} cannot be read as code .*; ${small} holds too little code`));
  assert.match(none.progress, /^calibrating on the bundled sample code \(/);
});
