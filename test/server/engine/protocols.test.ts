import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { CompletionCut } from "../../../server/corpus/codeCorpus.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { completionInput, REFERENCE_MAX_TOKENS, REFERENCE_PROMPTS, speculativeFixture, verifierOnlyReference } from "../../helpers/speculativeFixture.js";

// The other decoding modes of the engine, against the real embedded verifier.
const PROMPTS = REFERENCE_PROMPTS;
const MAX_TOKENS = REFERENCE_MAX_TOKENS;

const fixture = await speculativeFixture();

describe("decoding modes", () => {
  let prompts: CompletionCut[];
  let reference: string[];

  before(async () => {
    ({ prompts, texts: reference } = await verifierOnlyReference(fixture));
  });

  test("token exchange is detected: ids with the family's shared tokenizer", async () => {
    const auto = await fixture.engine({ k: 4 });
    assert.equal(auto.mode, "tokenIds");
    const forcedText = await fixture.engine({ k: 4, tokenExchange: "text" });
    assert.equal(forcedText.mode, "text");
  });

  test("text exchange: the verifier's text for most prompts (re-tokenization is its known limit)", async () => {
    // Text is re-tokenized by the verifier every round. Where the tokens it generated are not
    // how its tokenizer would split their text, the next round continues from other tokens and
    // the output can differ; ids exchange (the family's case) has no such gap. This measures it.
    const drafter = fixture.drafters[1];
    const text = await fixture.engine({ k: 4, drafter, tokenExchange: "text" });
    let identical = 0;
    let accepted = 0;
    for (const [i, cut] of prompts.entries()) {
      const output = await text.complete(completionInput(cut, MAX_TOKENS));
      if (output.text === reference[i]) identical++;
      accepted += output.stats.accepted;
    }
    console.log(`text exchange: ${identical}/${prompts.length} identical to verifier-only, ${accepted} tokens accepted`);
    assert.ok(accepted > 0);
    assert.ok(identical >= prompts.length / 2, `text exchange reproduced the verifier's text for ${identical} of ${prompts.length} prompts`);
  });

  test("drafter-only: the drafter's own greedy text, marked unverified", async () => {
    const drafter = fixture.drafters[0];
    const engine = await fixture.engine({ k: 4, drafter, verifier: null });
    assert.equal(engine.mode, "drafterOnly");
    for (const cut of prompts.slice(0, 5)) {
      const output = await engine.complete(completionInput(cut, MAX_TOKENS));
      assert.equal(output.configuration.verified, false);
      assert.equal(output.stats.rounds, 0);
      const prompt = engine.promptFor(cut.prefix, cut.suffix);
      const direct = await drafter.draft("drafter-only-check", prompt.tokens, MAX_TOKENS);
      assert.equal(output.text, drafter.textAfter(direct.tokens, prompt.tokens));
    }
  });

  test("verifier-only without a drafter sends the FIM prompt as text", async () => {
    const engine = await fixture.engine({ k: 0, drafter: null });
    assert.equal(engine.mode, "verifierOnly");
    assert.equal(engine.configuration.drafterId, undefined);
    const cut = prompts[0];
    // The prompt as the engine builds it for this request: sized for MAX_TOKENS, and before the
    // request's own usage refines the measured bytes per token (server/prompt/promptBudget.ts).
    const sent = engine.promptFor(cut.prefix, cut.suffix, MAX_TOKENS);
    const output = await engine.complete(completionInput(cut, MAX_TOKENS));
    const client = new VerifierClient({ baseUrl: fixture.server.baseUrl, model: fixture.server.modelId });
    try {
      const direct = await client.generate({ prompt: sent.text, maxTokens: MAX_TOKENS });
      assert.equal(output.text, direct.text);
      assert.match(engine.promptFor(cut.prefix, cut.suffix).text, /^<\|fim_prefix\|>[\s\S]*<\|fim_suffix\|>[\s\S]*<\|fim_middle\|>$/);
    } finally {
      client.dispose();
    }
  });

  test("max tokens, stop rules and bad options", async () => {
    const engine = await fixture.engine({ k: 8 });
    const cut = prompts[1];
    for (const maxTokens of [1, 2, 9]) {
      const output = await engine.complete(completionInput(cut, maxTokens));
      assert.equal(output.stats.tokens, maxTokens);
      assert.equal(output.stopReason, "maxTokens");
      assert.ok(reference[1].startsWith(output.text) || maxTokens > MAX_TOKENS, `a prefix of the reference at ${maxTokens} tokens`);
    }
    let asked = 0;
    const stopped = await engine.complete(completionInput(cut, MAX_TOKENS, { shouldStop: () => ++asked >= 2 }));
    assert.equal(stopped.stopReason, "stopRule");
    assert.equal(stopped.stats.rounds, 2);
    assert.ok(reference[1].startsWith(stopped.text));
    await assert.rejects(fixture.engine({ k: -1 }), RangeError);
    await assert.rejects(fixture.engine({ k: 4, drafter: null }), /drafter is required/);
  });
});
