import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { detokenizeAsStreamed } from "../../../server/llama/tokenPieces.js";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import { bundledFamily } from "../../helpers/bundledFamily.js";

/** Code that llama.cpp's space clean-up rewrites (" !", " ,", " .", " ?", " '"). */
const CODE = ["if err != nil {", "a , b", "x = y .z", "c ? d : e", "s = ' ' + t", "it 's", "for (i = 0 ; i < n ; i++) {}", "naïve → ok"];

describe("token text as engines stream it (bundled BPE family)", () => {
  let model: LlamaModel;
  before(async () => {
    model = await loadModel((await bundledFamily()).target.absolutePath);
  });
  after(() => model?.dispose());

  it("spells code back exactly, where llama.cpp's detokenizer cleans spaces away", () => {
    for (const text of CODE) assert.equal(detokenizeAsStreamed(model, model.tokenize(text, false), false), text);
    // Why the pieces: the detokenizer drops the space before "!=" (src/llama-vocab.cpp, clean_spaces).
    assert.equal(model.detokenize(model.tokenize("if err != nil {", false), false), "if err!= nil {");
  });

  it("renders text after earlier tokens, a character split across the boundary whole, control tokens only when asked", () => {
    const tokens = model.tokenize("x = 'naïve' != y", false);
    for (let cut = 1; cut < tokens.length; cut++) {
      const head = detokenizeAsStreamed(model, tokens.slice(0, cut), false);
      const tail = detokenizeAsStreamed(model, tokens.slice(cut), false, tokens.slice(0, cut));
      if (!head.endsWith("\uFFFD")) assert.equal(head + tail, "x = 'naïve' != y", `cut at ${cut}`);
    }
    const fim = model.tokenize("<|fim_middle|>", true);
    assert.equal(fim.length, 1);
    assert.equal(detokenizeAsStreamed(model, fim, true), "<|fim_middle|>");
    assert.equal(detokenizeAsStreamed(model, fim, false), "");
  });
});
