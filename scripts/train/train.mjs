// `npm run train [-- --quick|--resume]`: runs scripts/train/run.py with a Python that has
// Debian's torch, numpy and regex (python3-torch, python3-numpy, python3-regex). A pyenv or
// venv python3 first on PATH usually lacks them, so /usr/bin/python3 is tried first.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [process.env.CONFIGSPEC_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean);
const python = candidates.find((exe) => spawnSync(exe, ["-c", "import torch, numpy, regex"], { stdio: "ignore" }).status === 0);
if (!python) {
  console.error("train: no Python with torch, numpy and regex. Install them: apt-get install -y python3-torch python3-numpy python3-regex libopenblas0-pthread");
  process.exit(1);
}
const result = spawnSync(python, [join(here, "run.py"), ...process.argv.slice(2)], { stdio: "inherit", env: { OPENBLAS_NUM_THREADS: "1", ...process.env } });
process.exit(result.status ?? 1);
