import assert from "node:assert/strict";
import { after, test } from "node:test";
import { drafterIdOf, isNgramDrafter, ngramSpec } from "../../../server/drafter/drafterSpec.js";
import { loadDrafter } from "../../../server/drafter/loadDrafter.js";
import { NgramDrafter } from "../../../server/drafter/ngramDrafter.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

// The model-free drafter drafts in a borrowed vocabulary: here the generated target's, loaded vocabulary-only.
const family = await modelFamilyFixture();
const drafter = (await loadDrafter({ id: "ngram", uriOrPath: "ngram", tokenizerUriOrPath: family.target.absolutePath })) as NgramDrafter;
after(() => drafter.dispose());

const text = (tokens: readonly number[]) => drafter.detokenize(tokens as never);

test("it drafts what followed the most recent earlier occurrence of the context's last n-gram", async () => {
  const context = drafter.tokenize("total = price * count\nprint(total)\ntotal = price * count\nprint(");
  const draft = await drafter.draft("doc", context, 3);
  assert.ok(draft.tokens.length > 0 && draft.tokens.length <= 3, `drafted ${draft.tokens.length}`);
  assert.ok("total)\n".startsWith(text(draft.tokens)), JSON.stringify(text(draft.tokens)));
  assert.equal(draft.tokenMs.length, draft.tokens.length);
  assert.equal(draft.evaluatedContextTokens, 0);
});

test("the latest occurrence wins over an older one, and a draft never runs past what followed the match", async () => {
  const context = drafter.tokenize("x = alpha(1)\nx = beta(2)\nx = ");
  const draft = await drafter.draft("doc", context, 8);
  assert.ok(text(draft.tokens).startsWith("beta"), JSON.stringify(text(draft.tokens)));
  const tail = drafter.tokenize("alpha beta gamma delta alpha beta");
  const short = await drafter.draft("doc", tail, 16);
  // The draft is what followed an earlier occurrence of the context's last two tokens, within the context.
  const key = tail.slice(-2).join(",");
  const starts = tail.map((_, i) => i).filter((i) => i >= 2 && i < tail.length && tail.slice(i - 2, i).join(",") === key);
  assert.ok(short.tokens.length > 0);
  assert.ok(
    starts.some((start) => start + short.tokens.length <= tail.length && tail.slice(start, start + short.tokens.length).join(",") === short.tokens.join(",")),
    `draft ${short.tokens} is not a continuation of an earlier match in ${tail}`,
  );
});

test("no match, no draft: the round becomes a plain decode step", async () => {
  const draft = await drafter.draft("doc", drafter.tokenize("one two three four"), 4);
  assert.deepEqual(draft.tokens, []);
});

test("reference text (another document, an accepted completion) is drafted from when the context has no match", async () => {
  const context = drafter.tokenize("def area(r):\n    return math.");
  assert.deepEqual((await drafter.draft("doc", context, 4)).tokens, []);
  drafter.addReference("file:///other.py", "import math\ndef circle(r):\n    return math.pi * r * r\n");
  const draft = await drafter.draft("doc", context, 4);
  assert.ok(text(draft.tokens).startsWith("pi"), JSON.stringify(text(draft.tokens)));
  await drafter.forgetDocument("file:///other.py");
  assert.deepEqual((await drafter.draft("doc", context, 4)).tokens, []);
});

test("the spec names it: ngram, or ngram:GGUF for its vocabulary; without one it says what it needs", async () => {
  assert.deepEqual(ngramSpec("ngram"), {});
  assert.deepEqual(ngramSpec("ngram:/m/target.gguf"), { tokenizer: "/m/target.gguf" });
  assert.equal(isNgramDrafter("/m/ngram.gguf"), false);
  assert.equal(drafterIdOf("ngram:/m/target.gguf"), "ngram");
  assert.equal(drafter.facts.parameters, 0);
  await assert.rejects(loadDrafter({ id: "ngram", uriOrPath: "ngram" }), /needs the verifier's vocabulary/);
});
