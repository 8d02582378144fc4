// Runs every *.test.ts under test/ with Node's own runner (through tsx), except the
// folders that have their own scripts (e2e). Usage:
//   node scripts/run-tests.mjs [--standalone | --model-dependent] [filter...]
// Model-dependent tests load or serve GGUF models (the generated family, the real engine, the
// built CLI); standalone ones do not. A test file is model-dependent when it, or a test helper
// it imports, uses the model family fixture, the built CLI (dist/cli.js) or the shipped daemon
// (entry "dist") — decided from the sources, so no list is kept by hand.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const excluded = new Set(["test/e2e"]);
const MODEL_MARKERS = [/modelFamilyFixture/, /fimDialectModels/, /dist\/cli\.js/, /entry: "dist"/, /realEngines/];

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (excluded.has(path)) continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const verdicts = new Map();
/** True when the file or a test/ module it imports (transitively) carries a model marker. */
function modelDependent(file, seen = new Set()) {
  if (verdicts.has(file)) return verdicts.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  let result = MODEL_MARKERS.some((marker) => marker.test(text));
  for (const match of text.matchAll(/from\s+["'](\.{1,2}\/[^"']+)["']/g)) {
    if (result) break;
    const target = resolve(dirname(file), match[1].replace(/\.js$/, ".ts"));
    if (relative("test", target).startsWith("..") || !existsSync(target)) continue;
    result = modelDependent(relative(".", target), seen);
  }
  verdicts.set(file, result);
  return result;
}

const args = process.argv.slice(2);
const kind = args.includes("--standalone") ? "standalone" : args.includes("--model-dependent") ? "model-dependent" : "all";
const filters = args.filter((a) => !a.startsWith("--"));
const files = collect("test", [])
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => kind === "all" || (kind === "model-dependent") === modelDependent(f));
if (args.includes("--list")) {
  for (const f of files) console.log(`${modelDependent(f) ? "model-dependent" : "standalone     "} ${f}`);
  process.exit(0);
}
if (files.length === 0) {
  // node --test with no files would search the whole tree itself.
  console.log(`no ${kind === "all" ? "" : `${kind} `}test files match`);
  process.exit(0);
}
// One file at a time: the machine has 2 cores and model tests measure speed.
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=600000", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
