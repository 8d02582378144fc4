// The project's Python environment: `.venv` at the repository root, pip-installed from
// requirements.txt once and reused while that file is unchanged (its hash is kept in the venv).
// Training, the Hugging Face export and vLLM all run from it, so a fresh clone needs no apt step.
//   node scripts/python/ensureVenv.mjs        # creates or reuses it; prints the venv's python
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VENV = join(ROOT, ".venv");
const REQUIREMENTS = join(ROOT, "requirements.txt");
const STAMP = join(VENV, ".requirements.sha256");

/** The venv's interpreter (it may not exist yet: call {@link ensureVenv} first). */
export function venvPython() {
  return join(VENV, "bin", "python");
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

/** Creates `.venv` from requirements.txt when it is missing or the file changed; returns its python. */
export function ensureVenv() {
  const wanted = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(venvPython()) && existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === wanted) return venvPython();
  console.error(`setting up the Python environment in ${VENV} from requirements.txt (once; a few minutes)`);
  if (existsSync(VENV) && !existsSync(venvPython())) rmSync(VENV, { recursive: true, force: true });
  if (!existsSync(venvPython())) run("python3", ["-m", "venv", VENV]);
  rmSync(STAMP, { force: true });
  run(venvPython(), ["-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check", "--progress-bar", "off", "-r", REQUIREMENTS]);
  writeFileSync(STAMP, `${wanted}\n`);
  return venvPython();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(ensureVenv());
}
