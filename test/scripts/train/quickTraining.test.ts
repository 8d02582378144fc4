// The training pipeline end to end on a tiny slice (npm run train -- --quick): corpus →
// tokenizer → a few steps → GGUF through the project's writer → node-llama-cpp loads every file
// and tokenizes each corpus language and the FIM tokens exactly as the trainer did.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { readModelManifest } from "../../../server/modelFiles/modelManifest.js";

test("npm run train -- --quick trains, exports and tokenizes identically in under a minute", { timeout: 600_000 }, async () => {
  const started = Date.now();
  const run = spawnSync("node", ["scripts/train/train.mjs", "--quick"], { encoding: "utf8" });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.status, 0, `quick training failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /fim: \d+ tokens identical/);
  assert.doesNotMatch(run.stdout, /DIFFER/);
  const { manifest, models } = await readModelManifest("models/training-quick/out/manifest.json");
  assert.equal(manifest.family, "trained");
  for (const model of models) {
    assert.ok(existsSync(model.absolutePath), model.absolutePath);
    assert.ok(model.training && model.training.tokensSeen > 0, `${model.id} records the tokens it saw`);
  }
  assert.ok(existsSync("models/training-quick/out/corpus-manifest.json"));
  // Held-out files come from packages (units) none of whose files were trained on.
  const corpus = JSON.parse(readFileSync("models/training-quick/out/corpus-manifest.json", "utf8")) as { files: { unit: string; split: string; licence: string; sha256: string }[] };
  const splits = new Map<string, Set<string>>();
  for (const f of corpus.files) splits.set(f.unit, (splits.get(f.unit) ?? new Set()).add(f.split));
  for (const [unit, seen] of splits) assert.equal(seen.size, 1, `${unit} is in both splits`);
  assert.ok(corpus.files.every((f) => f.licence && /^[0-9a-f]{64}$/.test(f.sha256)), "every file has its licence and sha256");
  // The training run writes the target's Hugging Face checkpoint through the GGUF-to-HF export.
  for (const file of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"]) {
    assert.ok(existsSync(`models/training-quick/hf/quick-1l-32-f32/${file}`), file);
  }
  console.log(`quick training: ${seconds.toFixed(1)} s`);
});
