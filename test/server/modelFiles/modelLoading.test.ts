import assert from "node:assert/strict";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import { getSharedLlama } from "../../../server/llama/sharedLlama.js";
import { measureAlignment } from "../../../server/modelFiles/familyAlignment.js";
import { InvalidModelFileError } from "../../../server/modelFiles/invalidModelFileError.js";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../../../server/corpus/codeCorpus.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";

test("every model of the family loads with the real node-llama-cpp and generates", async () => {
  const { target, drafters } = await modelFamilyFixture();
  const llama = await getSharedLlama();
  for (const entry of [target, ...drafters]) {
    const model = await loadModel(entry.absolutePath);
    try {
      assert.equal(model.fileInsights.totalLayers, entry.layers + 1, `${entry.id} layers (+ output)`);
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const sequence = context.getSequence();
      const prompt = model.tokenize("def add(a, b):\n    return");
      const generated: Token[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        generated.push(token);
        if (generated.length === 8) break;
      }
      assert.equal(generated.length, 8, `${entry.id} generates`);
      assert.ok(model.detokenize(generated).length > 0);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  }
  assert.ok(llama);
});

test("the tokenizer round-trips real code in several languages, non-ASCII included, and has FIM tokens", async () => {
  const { target } = await modelFamilyFixture();
  const model = await loadModel(target.absolutePath);
  try {
    const files = await readCorpus(bundledCorpusDir());
    assert.ok(new Set(files.map((f) => f.relativePath.split(".").pop())).size >= 4, "several languages");
    const extra = "emoji 😀, CJK 日本語, combining é, tab\tand\r\nCRLF, NUL-free bytes \u00ff";
    for (const text of [...files.map((f) => f.text), extra]) {
      assert.equal(model.detokenize(model.tokenize(text, false), false), text);
    }
    // Code is mostly ASCII words: pieces longer than one character must carry it.
    for (const file of files) assert.ok(model.tokenize(file.text, false).length < file.text.length, `${file.relativePath} uses multi-character pieces`);
    const { prefix, suffix, middle } = model.tokens.infill;
    assert.ok(prefix != null && suffix != null && middle != null);
    assert.deepEqual(model.tokenize("<|fim_prefix|>x<|fim_middle|>", true).filter((t) => t === prefix || t === middle), [prefix, middle]);
    assert.equal(model.tokenize("<|fim_prefix|>", false).includes(prefix), false, "document text never becomes a special token");
  } finally {
    await model.dispose();
  }
});

test("each drafter's measured greedy acceptance against the target lies in its manifest range", async () => {
  const { target, drafters } = await modelFamilyFixture();
  const cuts = cutCompletionPrompts(await readCorpus(bundledCorpusDir()), 8, 11);
  const measured = await measureAlignment(target.absolutePath, drafters.map((d) => d.absolutePath), cuts.map((c) => c.prefix.slice(-400)), 32);
  drafters.forEach((drafter, i) => {
    const { acceptance } = measured.drafters[i];
    const range = drafter.expectedAcceptance!;
    assert.ok(acceptance >= range.min && acceptance <= range.max, `${drafter.id}: ${acceptance} not in [${range.min}, ${range.max}]`);
  });
  const fastest = Math.min(...measured.drafters.map((d) => d.msPerToken));
  assert.ok(measured.targetMsPerToken / fastest >= 1.5, `a drafter is much faster than the target (${measured.targetMsPerToken} vs ${fastest})`);
});

test("broken model files get a clear error before anything reaches llama.cpp, and the process lives", async () => {
  const { target } = await modelFamilyFixture();
  const dir = await tempDir();
  const bytes = await readFile(target.absolutePath);
  const cases: Array<[string, Buffer, RegExp]> = [
    ["truncated.gguf", bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated/],
    ["tiny.gguf", bytes.subarray(0, 10), /at least 24 bytes/],
    ["magic.gguf", Buffer.concat([Buffer.from("GGML"), bytes.subarray(4)]), /expected magic "GGUF", found "GGML"/],
    ["version.gguf", Buffer.concat([bytes.subarray(0, 4), Buffer.from([9, 0, 0, 0]), bytes.subarray(8)]), /version 2 or 3, found 9/],
    // Renaming a key keeps the file parseable but makes llama.cpp's required key missing (a GGML_ASSERT abort otherwise).
    ["nokey.gguf", Buffer.from(bytes.toString("latin1").replace("llama.feed_forward_length", "llama.feed_forward_lengtX"), "latin1"), /feed_forward_length/],
    ["headcount.gguf", Buffer.from(bytes.toString("latin1").replace("llama.attention.head_count\u0004", "llama.attention.head_coun_\u0004"), "latin1"), /head_count/],
  ];
  for (const [name, content, message] of cases) {
    const path = join(dir, name);
    await writeFile(path, content);
    await assert.rejects(loadModel(path), (e: unknown) => e instanceof InvalidModelFileError && message.test(e.message) && e.message.includes(path), name);
  }
  await assert.rejects(loadModel(join(dir, "missing.gguf")), InvalidModelFileError);
  await copyFile(target.absolutePath, join(dir, "ok.gguf"));
  const model = await loadModel(join(dir, "ok.gguf"));
  await model.dispose();
});
