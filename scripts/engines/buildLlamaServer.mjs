// Builds llama-server from the llama.cpp source node-llama-cpp ships (its git bundle), once per
// machine: the binary is cached outside the repository under a key of the bundle's hash, so a
// second clone, or CI on a machine that built it before, reuses it. Prints the binary's path.
//   node scripts/engines/buildLlamaServer.mjs [--jobs N]
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const BUNDLE = resolve("node_modules/node-llama-cpp/llama/gitRelease.bundle");
const TARGETS = ["llama-server"];

/** Where the engines' builds live: CONFIGSPEC_ENGINE_CACHE, else ~/.cache/configspec/engines. */
export function engineCacheRoot() {
  return process.env.CONFIGSPEC_ENGINE_CACHE ?? join(homedir(), ".cache", "configspec", "engines");
}

/** The cached llama-server's path for the bundle node_modules holds now (it may not exist yet). */
export function llamaServerPath() {
  if (!existsSync(BUNDLE)) throw new Error(`no llama.cpp source bundle at ${BUNDLE}: run npm ci first`);
  const key = createHash("sha256").update(readFileSync(BUNDLE)).digest("hex").slice(0, 16);
  return join(engineCacheRoot(), `llama.cpp-${key}`, "bin", "llama-server");
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

export function buildLlamaServer({ jobs = 2 } = {}) {
  const binary = llamaServerPath();
  if (existsSync(binary)) return binary;
  const home = resolve(binary, "..", "..");
  const work = `${home}.building`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const source = join(work, "llama.cpp");
  console.error(`building llama-server from ${BUNDLE} into ${home} (about 20 minutes on 2 cores, once per machine)`);
  run("git", ["clone", "-q", BUNDLE, source]);
  run("cmake", ["-S", source, "-B", join(source, "build"), "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DGGML_NATIVE=ON", "-DBUILD_SHARED_LIBS=OFF"]);
  run("cmake", ["--build", join(source, "build"), `-j${jobs}`, "--target", ...TARGETS]);
  mkdirSync(join(work, "bin"), { recursive: true });
  for (const target of TARGETS) renameSync(join(source, "build", "bin", target), join(work, "bin", target));
  rmSync(source, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  renameSync(work, home);
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const jobsAt = process.argv.indexOf("--jobs");
  const jobs = jobsAt > 0 ? Number(process.argv[jobsAt + 1]) : 2;
  console.log(buildLlamaServer({ jobs }));
}
