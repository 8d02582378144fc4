// `npm run test:e2e`: packages the VSIX, installs the pinned code-server into .cache/e2e/
// (once), then runs the browser suite (test/e2e/) with Node's test runner. Needs Debian's
// chromium and ripgrep (.ci/run installs them). Prints the runner's summary and the timings.
// Extra arguments go to the test runner, e.g. `npm run test:e2e -- --test-name-pattern=panel`.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { codeServerBin, installCodeServer } from "./installCodeServer.mjs";
import { isVsixCurrent, markVsix, packageInputsHash } from "./vsixCache.mjs";

const VSIX = resolve(".cache", "e2e", "configspec.vsix");
const started = Date.now();
const seconds = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`e2e: ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

let step = Date.now();
mkdirSync(dirname(VSIX), { recursive: true }); // vsce does not create it (absent on a clean clone)
run("npm", ["run", "build", "--silent"]);
const inputs = packageInputsHash();
if (isVsixCurrent(VSIX, inputs)) {
  console.log(`e2e: VSIX unchanged since the last run (${seconds(step)})`);
} else {
  // The package script's own flags, with the VSIX written where only this suite looks.
  run("npm", ["run", "package", "--silent", "--", "--out", VSIX]);
  markVsix(VSIX, packageInputsHash());
  console.log(`e2e: VSIX packaged in ${seconds(step)}`);
}
step = Date.now();
installCodeServer();
console.log(`e2e: code-server ready in ${seconds(step)}`);

step = Date.now();
const suite = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...process.argv.slice(2), "test/e2e/configspec.e2e.test.ts"],
  { stdio: "inherit", env: { ...process.env, CONFIGSPEC_E2E_CODE_SERVER: codeServerBin(), CONFIGSPEC_E2E_VSIX: VSIX } },
);
console.log(`e2e: suite ran in ${seconds(step)}; total ${seconds(started)}`);
process.exit(suite.status ?? 1);
