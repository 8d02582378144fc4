// Runs every *.test.ts under test/ with Node's own runner (through tsx), except the
// folders that have their own scripts (e2e). Usage: node scripts/run-tests.mjs [filter...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const excluded = new Set(["test/e2e"]);
function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (excluded.has(path)) continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = collect("test", []).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// One file at a time: the machine has 2 cores and model tests measure speed.
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=600000", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
