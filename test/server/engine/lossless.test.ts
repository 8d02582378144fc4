import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { CompletionCut } from "../../../server/corpus/codeCorpus.js";
import type { SpeculativeEngine } from "../../../server/engine/speculativeEngine.js";
import { completionInput, REFERENCE_MAX_TOKENS, REFERENCE_PROMPTS, speculativeFixture, verifierOnlyReference } from "../../helpers/speculativeFixture.js";

// The engine's promise: speculative output is byte-identical to what the verifier alone
// generates greedily, for every drafter and every K — real models, real HTTP verifier.
const PROMPTS = REFERENCE_PROMPTS;
const KS = [1, 2, 4, 8];
const MAX_TOKENS = REFERENCE_MAX_TOKENS;

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
    const engines: { name: string; engine: SpeculativeEngine }[] = [];
    for (const drafter of fixture.drafters) {
      for (const k of KS) engines.push({ name: `${drafter.id} K=${k}`, engine: await fixture.engine({ k, drafter }) });
    }
    assert.ok(engines.every(({ engine }) => engine.mode === "tokenIds"), "the family shares one tokenizer, so ids are exchanged");
    const mismatches: string[] = [];
    let accepted = 0;
    let drafted = 0;
    for (const [i, cut] of prompts.entries()) {
      for (const { name, engine } of engines) {
        const output = await engine.complete(completionInput(cut, MAX_TOKENS));
        if (output.text !== reference[i]) mismatches.push(`${name} prompt ${i}: ${JSON.stringify(output.text)} ≠ ${JSON.stringify(reference[i])}`);
        assert.equal(output.stats.tokens, MAX_TOKENS);
        assert.ok(output.stats.rounds <= MAX_TOKENS);
        accepted += output.stats.accepted;
        drafted += output.stats.drafted;
      }
    }
    assert.deepEqual(mismatches, []);
    // Rejections happened, so the correction path was exercised, and acceptances too.
    assert.ok(accepted > 0 && accepted < drafted, `accepted ${accepted} of ${drafted}`);
  });
});
