import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { generateModelFamily } from "../../../server/modelFiles/modelFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest } from "../../../server/modelFiles/modelManifest.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";

test("the same seed writes byte-identical files; another seed does not", async () => {
  const family = await modelFamilyFixture();
  const dir = await tempDir();
  const again = await generateModelFamily(dir);
  const { models } = await readModelManifest(join(family.dir, MANIFEST_FILE_NAME));
  assert.deepEqual(
    again.models.map((m) => m.sha256),
    models.map((m) => m.sha256),
  );
  const first = await readFile(join(dir, again.models[1].path));
  assert.ok(first.equals(await readFile(models[1].absolutePath)));
  const other = await generateModelFamily(await tempDir(), { seed: 99 });
  assert.notEqual(other.models[0].sha256, again.models[0].sha256);
});

test("the manifest describes a target and at least four drafters that differ in size, quantisation and alignment", async () => {
  const { target, drafters } = await modelFamilyFixture();
  assert.equal(target.quantization, "F32");
  assert.ok(drafters.length >= 4);
  assert.ok(new Set(drafters.map((d) => d.layers)).size >= 3, "several sizes");
  assert.ok(new Set(drafters.map((d) => d.quantization)).size >= 2, "several quantisations");
  assert.ok(drafters.every((d) => d.expectedAcceptance && d.parameters <= target.parameters));
  const ranges = drafters.map((d) => d.expectedAcceptance!);
  assert.ok(Math.min(...ranges.map((r) => r.min)) <= 0.3 && Math.max(...ranges.map((r) => r.max)) >= 0.95, "wide acceptance span");
});

test("a manifest of the wrong shape is rejected with the path in the message", async () => {
  const dir = await tempDir();
  const path = join(dir, MANIFEST_FILE_NAME);
  await import("node:fs/promises").then((fs) => fs.writeFile(path, JSON.stringify({ generator: "configspec", models: [] })));
  await assert.rejects(readModelManifest(path), (e: Error) => e.message.includes(path) && /not a model manifest/.test(e.message));
});
