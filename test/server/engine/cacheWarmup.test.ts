import assert from "node:assert/strict";
import { test } from "node:test";
import { completionInput, corpusPrompts, speculativeFixture } from "../../helpers/speculativeFixture.js";

// Model-dependent: SpeculativeEngine.warm against the embedded verifier and a real drafter.
const fixture = await speculativeFixture();
const [cut] = await corpusPrompts(1, 7);

test("a warm-up puts the prompt in both caches: the completion at that position finds it there", async () => {
  for (const k of [0, 3]) {
    const engine = await fixture.engine({ k });
    // A different position first, so nothing of this prompt is cached by accident.
    await engine.complete(completionInput({ ...cut, prefix: `${cut.prefix}\n// elsewhere\n`, file: "other" }, 1));
    const { signal } = new AbortController();
    const warmed = await engine.warm({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: 16, verifier: true, signal, documentKey: cut.file });
    const promptTokens = engine.promptFor(cut.prefix, cut.suffix, 16).tokens.length;
    assert.ok(warmed.verifier, `K=${k}: the verifier was warmed`);
    assert.equal(warmed.verifier.usage.promptTokens, promptTokens, `K=${k}: the whole prompt went to the verifier`);
    assert.ok(warmed.verifier.usage.completionTokens <= 1);
    if (k > 0) assert.ok(warmed.drafterTokens > 0, "the drafter evaluated the prompt");
    else assert.equal(warmed.drafterTokens, 0, "verifier-only does not draft");
    const output = await engine.complete(completionInput(cut, 16));
    // Verifier-only makes one call: its prompt came from the slot the warm-up filled.
    if (k === 0) assert.equal(output.stats.usage.cachedTokens, promptTokens, `${output.stats.usage.cachedTokens} of ${promptTokens} prompt tokens cached`);
    const again = await engine.warm({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: 16, verifier: false, signal, documentKey: cut.file });
    assert.equal(again.verifier, undefined, "verifier: false sends nothing");
  }
});
