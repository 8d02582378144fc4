// Installs the pinned code-server into a cache folder this suite owns (never into the
// extension's dependencies). Idempotent: a finished install is marked and reused.
// The environment works around the install traps listed in ../shared/E2E-RECIPE.md.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CODE_SERVER_VERSION = "4.100.3";
/** @vscode/ripgrep's version inside code-server 4.100.3 and the rg asset it fetches. */
const RIPGREP_PACKAGE_VERSION = "1.15.11";
const RIPGREP_ASSET = "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz";

export const CODE_SERVER_DIR = resolve(".cache", "e2e", `code-server-${CODE_SERVER_VERSION}`);
const DONE_MARKER = join(CODE_SERVER_DIR, ".installed");

export function codeServerBin() {
  return join(CODE_SERVER_DIR, "node_modules", "code-server", "out", "node", "entry.js");
}

function which(command) {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  if (found.status !== 0) throw new Error(`${command} is not installed (apt-get install ${command === "rg" ? "ripgrep" : command})`);
  return found.stdout.trim();
}

export function installCodeServer() {
  if (existsSync(DONE_MARKER)) return CODE_SERVER_DIR;
  const staging = `${CODE_SERVER_DIR}.staging`;
  rmSync(staging, { recursive: true, force: true });
  const tmp = join(staging, "tmp");
  // Trap 2: @vscode/ripgrep downloads rg from GitHub; seed its cache with Debian's rg.
  const ripgrepCache = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  mkdirSync(ripgrepCache, { recursive: true });
  const rgDir = join(staging, "rg");
  mkdirSync(rgDir);
  copyFileSync(which("rg"), join(rgDir, "rg"));
  execFileSync("tar", ["-czf", join(ripgrepCache, RIPGREP_ASSET), "-C", rgDir, "rg"]);
  // Trap 3: node-gyp must find the installed Node's headers instead of downloading them.
  const nodePrefix = dirname(dirname(process.execPath));
  if (!existsSync(join(nodePrefix, "include", "node"))) throw new Error(`no Node headers under ${nodePrefix}/include/node`);
  writeFileSync(join(staging, "package.json"), JSON.stringify({ name: "configspec-e2e-code-server", private: true }) + "\n");
  const started = Date.now();
  console.log(`installing code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (a few minutes, once)`);
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", `code-server@${CODE_SERVER_VERSION}`], {
    cwd: staging,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      TMPDIR: tmp,
      npm_config_unsafe_perm: "true", // trap 1: code-server's postinstall refuses root without it
      npm_config_yes: "true",
      npm_config_nodedir: nodePrefix,
    },
  });
  if (result.status !== 0) throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${result.status})`);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(rgDir, { recursive: true, force: true });
  rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
  renameSync(staging, CODE_SERVER_DIR);
  writeFileSync(DONE_MARKER, `${new Date().toISOString()}\n`);
  console.log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return CODE_SERVER_DIR;
}

if (import.meta.url === `file://${process.argv[1]}`) installCodeServer();
