// `node scripts/train/exportHf.mjs --gguf assets/models/target-4l-192-f32.gguf --out .cache/hf/target`:
// a Hugging Face Llama checkpoint folder (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json, generation_config.json) from a family GGUF, for vLLM and transformers.
// Runs scripts/train/export_hf.py with the project venv's python (the training run calls the same
// function on the GGUF it writes).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { trainEnv, trainPython } from "./python.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(trainPython(), [join(here, "export_hf.py"), ...process.argv.slice(2)], { stdio: "inherit", env: trainEnv() });
process.exit(result.status ?? 1);
