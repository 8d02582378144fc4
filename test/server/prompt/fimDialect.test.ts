import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { LlamaModel, Token } from "node-llama-cpp";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import { buildCompletionPrompt } from "../../../server/prompt/completionPrompt.js";
import { readFimMarkers } from "../../../server/prompt/fimDialect.js";
import { FIM_DIALECT_MODEL_SPECS, fimDialectModel } from "../../helpers/fimDialectModels.js";

// Tiny GGUFs in each family's FIM dialect, loaded by node-llama-cpp: the prompt uses the model's
// own FIM token ids, in order, and its text spells the markers as the vocabulary does.

const models = new Map<string, LlamaModel>();
after(async () => {
  for (const model of models.values()) await model.dispose();
});
async function modelOf(dialect: string): Promise<{ model: LlamaModel; ids: { prefix: number; suffix: number; middle: number } | undefined }> {
  const { path, ids } = await fimDialectModel(dialect as never);
  if (!models.has(dialect)) models.set(dialect, await loadModel(path));
  return { model: models.get(dialect)!, ids };
}

const prefix = "def total(items):\n    return ";
const suffix = "\n\nprint(total([1, 2]))\n";

for (const spec of FIM_DIALECT_MODEL_SPECS.filter((s) => s.markers)) {
  test(`${spec.dialect} (${spec.fimKeys} keys): the model's own FIM ids and marker texts, in FIM order`, async () => {
    const { model, ids } = await modelOf(spec.dialect);
    const markers = readFimMarkers(model);
    assert.ok(markers && ids, "the model has FIM tokens");
    assert.deepEqual(markers.tokens, ids);
    assert.deepEqual(markers.texts, spec.markers);
    assert.equal(markers.dialect.name, spec.dialect);
    assert.equal(markers.tokenizerAddsSpace, spec.addSpacePrefix);

    const prompt = buildCompletionPrompt(prefix, suffix, { tokenize: (t) => model.tokenize(t, false), detokenize: (t) => model.detokenize(t, false), fimMarkers: markers });
    assert.equal(prompt.fim, true);
    const at = (id: number) => prompt.tokens.indexOf(id as Token);
    assert.equal(at(ids.prefix), 0);
    assert.ok(at(ids.prefix) < at(ids.suffix) && at(ids.suffix) < at(ids.middle));
    assert.equal(prompt.tokens.at(-1), ids.middle);
    assert.ok(prompt.text.startsWith(spec.markers!.prefix) && prompt.text.endsWith(spec.markers!.middle), prompt.text);
    assert.ok(prompt.text.includes(`${spec.markers!.suffix}${suffix}`), prompt.text);
    // The text is the same prompt to a server that parses special tokens (how text prompts are tokenized).
    assert.deepEqual(model.tokenize(prompt.text, true), prompt.tokens);
  });
}

test("a model without FIM tokens: no markers are read, and the prompt is the prefix alone", async () => {
  const { model, ids } = await modelOf("none");
  assert.equal(ids, undefined);
  assert.equal(readFimMarkers(model), undefined);
  const prompt = buildCompletionPrompt(prefix, suffix, { tokenize: (t) => model.tokenize(t, false), detokenize: (t) => model.detokenize(t, false), fimMarkers: readFimMarkers(model) });
  assert.equal(prompt.fim, false);
  assert.deepEqual(prompt.tokens, model.tokenize(prefix, false));
});
