// The training pipeline end to end on a tiny slice (npm run train -- --quick): corpus →
// tokenizer → a few steps → GGUF through the project's writer → node-llama-cpp loads every file
// and tokenizes each corpus language and the FIM tokens exactly as the trainer did.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
  console.log(`quick training: ${seconds.toFixed(1)} s`);
});
