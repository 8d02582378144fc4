// What the tests and benchmarks need beyond npm: the Python environment (training, the
// Hugging Face export, vLLM) and a llama-server build. Each is made once and then reused.
//   node scripts/engines/prepareEngines.mjs
import { ensureVenv } from "../python/ensureVenv.mjs";
import { buildLlamaServer } from "./buildLlamaServer.mjs";

console.error(`python environment: ${ensureVenv()}`);
console.error(`llama-server: ${buildLlamaServer()}`);
