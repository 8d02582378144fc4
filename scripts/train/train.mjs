// `npm run train [-- --quick|--resume]`: runs scripts/train/run.py with the project venv's python
// (.venv from requirements.txt: torch, numpy, regex, tokenizers, safetensors), set up on first
// use by scripts/python/ensureVenv.mjs; CONFIGSPEC_PYTHON overrides it.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { trainEnv, trainPython } from "./python.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(trainPython(), [join(here, "run.py"), ...process.argv.slice(2)], { stdio: "inherit", env: trainEnv() });
process.exit(result.status ?? 1);
