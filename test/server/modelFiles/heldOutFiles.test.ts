import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { CorpusFile } from "../../../server/corpus/codeCorpus.js";
import { heldOutFiles } from "../../../server/modelFiles/familyEvaluation.js";
import { tempDir } from "../../helpers/tempDir.js";

const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

test("evaluation leaves out the files a family trained on, and keeps those its manifest held out", async () => {
  const dir = await tempDir();
  const trained = "def trained(): pass\n";
  const held = "def held_out(): pass\n";
  const unseen = "def unseen(): pass\n";
  await writeFile(join(dir, "corpus-manifest.json"), JSON.stringify({ files: [{ sha256: sha(trained), split: "train" }, { sha256: sha(held), split: "heldout" }] }));
  const files: CorpusFile[] = [trained, held, unseen].map((text, i) => ({ path: join(dir, `f${i}.py`), relativePath: `f${i}.py`, text }));
  const { files: kept, excluded } = heldOutFiles(files, dir);
  assert.deepEqual(kept.map((f) => f.text), [held, unseen]);
  assert.equal(excluded, 1);
});
