import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { CompletionCut } from "../../../server/corpus/codeCorpus.js";
import { loadDrafter } from "../../../server/drafter/loadDrafter.js";
import { completeGrid, type NamedEngine, REFERENCE_MAX_TOKENS, REFERENCE_PROMPTS, speculativeFixture, verifierOnlyReference } from "../../helpers/speculativeFixture.js";

// The engine's promise: speculative output is byte-identical to what the verifier alone
// generates greedily, for every drafter and every K — real models, real HTTP verifier.
const PROMPTS = REFERENCE_PROMPTS;
const KS = [1, 2, 4, 8];
const MAX_TOKENS = REFERENCE_MAX_TOKENS;
/** The n-gram drafter's share of the grid: its rounds are mostly plain decode steps on this fixture, so fewer prompts say as much. */
const NGRAM_PROMPTS = 16;

// Top level: the fixture's after() hook then belongs to the file.
const fixture = await speculativeFixture();

describe("lossless speculative decoding", () => {
  let prompts: CompletionCut[];
  let reference: string[];

  before(async () => {
    ({ prompts, texts: reference } = await verifierOnlyReference(fixture));
    assert.equal((await fixture.engine({ k: 0 })).mode, "verifierOnly");
  });

  test("prompts are distinct real code positions and the reference is not trivial", () => {
    assert.equal(new Set(prompts.map((cut) => `${cut.file}:${cut.offset}`)).size, PROMPTS);
    assert.ok(new Set(prompts.map((cut) => cut.file)).size >= 4, "prompts come from several files");
    assert.ok(reference.every((text) => text.length > 0));
  });

  test(`token-ids loop: ${PROMPTS} prompts × K ${KS.join("/")} × every drafter equal verifier-only`, async () => {
    const engines: NamedEngine[] = [];
    for (const drafter of fixture.drafters) {
      for (const k of KS) engines.push({ name: `${drafter.id} K=${k}`, engine: await fixture.engine({ k, drafter }) });
    }
    assert.ok(engines.every(({ engine }) => engine.mode === "tokenIds"), "the family shares one tokenizer, so ids are exchanged");
    const { mismatches, accepted, drafted } = await completeGrid(engines, prompts, reference, MAX_TOKENS, (output) => {
      assert.equal(output.stats.tokens, MAX_TOKENS);
      assert.ok(output.stats.rounds <= MAX_TOKENS);
    });
    assert.deepEqual(mismatches, []);
    // Rejections happened, so the correction path was exercised, and acceptances too.
    assert.ok(accepted > 0 && accepted < drafted, `accepted ${accepted} of ${drafted}`);
  });

  test(`the model-free n-gram drafter, in the verifier's own vocabulary: ${NGRAM_PROMPTS} prompts × K ${KS.join("/")} equal verifier-only`, async () => {
    const ngram = await loadDrafter({ id: "ngram", uriOrPath: "ngram", tokenizerUriOrPath: fixture.family.target.absolutePath });
    try {
      const engines: NamedEngine[] = [];
      for (const k of KS) engines.push({ name: `ngram K=${k}`, engine: await fixture.engine({ k, drafter: ngram }) });
      assert.ok(engines.every(({ engine }) => engine.mode === "tokenIds"), "the verifier's vocabulary: ids are exchanged");
      const { mismatches, drafted } = await completeGrid(engines, prompts.slice(0, NGRAM_PROMPTS), reference.slice(0, NGRAM_PROMPTS), MAX_TOKENS, (output) => assert.equal(output.stats.tokens, MAX_TOKENS));
      assert.deepEqual(mismatches, []);
      assert.ok(drafted > 0, "the n-gram drafter found matches to draft from");
    } finally {
      await ngram.dispose();
    }
  });
});
