import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Token } from "node-llama-cpp";
import { ModelDrafter } from "../../../server/drafter/drafter.js";
import { isAbortError } from "../../../server/util/abort.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

// The drafter keeps one KV-cached sequence per document: each request evaluates only what
// changed. Every cached draft is checked against a drafter that starts from nothing.
const family = await modelFamilyFixture();
const entry = family.drafters[1];
const cached = await ModelDrafter.load({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 });
after(() => cached.dispose());

/** A fresh draft: a throwaway document key, so nothing is reused. */
let freshKeys = 0;
async function freshDraft(context: readonly Token[], k: number): Promise<Token[]> {
  const key = `fresh-${freshKeys++}`;
  const draft = await cached.draft(key, context, k);
  await cached.forgetDocument(key);
  return draft.tokens;
}

const base = cached.tokenize("function total(items) {\n  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n");

test("a continuing document reuses its KV cache and drafts what a fresh context drafts", async () => {
  const first = await cached.draft("doc-a", base, 6);
  assert.equal(first.evaluatedContextTokens, base.length);
  assert.equal(first.tokens.length, 6);
  assert.equal(first.tokenMs.length, 6);

  // Two drafted tokens kept, then a correction that differs from the third: the usual round.
  const correction = (first.tokens[2] === 10 ? 11 : 10) as Token;
  const next = [...base, first.tokens[0], first.tokens[1], correction];
  const second = await cached.draft("doc-a", next, 6);
  assert.ok(second.evaluatedContextTokens <= 3, `re-evaluated ${second.evaluatedContextTokens} tokens`);
  assert.deepEqual(second.tokens, await freshDraft(next, 6));

  // The user deleted a line: the cache is cut back to the first difference.
  const edited = base.slice(0, base.length - 8);
  const third = await cached.draft("doc-a", edited, 4);
  assert.equal(third.evaluatedContextTokens, 1, "only the last token is re-evaluated for its logits");
  assert.deepEqual(third.tokens, await freshDraft(edited, 4));
});

test("more documents than sequences: the least recently used one is recycled, drafts stay right", async () => {
  const contexts = ["a", "b", "c"].map((name) => cached.tokenize(`const ${name} = compute_${name}(input);\n`));
  for (const [i, context] of contexts.entries()) await cached.draft(`lru-${i}`, context, 3);
  for (const [i, context] of contexts.entries()) {
    const again = await cached.draft(`lru-${i}`, context, 3);
    assert.deepEqual(again.tokens, await freshDraft(context, 3));
  }
  for (let i = 0; i < 3; i++) await cached.forgetDocument(`lru-${i}`);
});

test("cancellation: an aborted signal stops drafting with an AbortError, the next draft is right", async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(cached.draft("doc-cancel", base, 8, controller.signal), (error) => isAbortError(error));
  const after = await cached.draft("doc-cancel", base, 4);
  assert.deepEqual(after.tokens, await freshDraft(base, 4));
});

test("bad input: empty context is a RangeError; a disposed drafter says so", async () => {
  await assert.rejects(cached.draft("doc-empty", [], 2), RangeError);
  const short = await ModelDrafter.load({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 1 });
  await short.dispose();
  await assert.rejects(short.draft("x", base, 2), /disposed/);
});

test("text helpers: textAfter renders in context; special tokens parse only when asked", () => {
  const tokens = cached.tokenize("return x + y;");
  assert.equal(cached.textAfter(tokens, []), "return x + y;");
  assert.ok(cached.fimTokens, "the family has FIM tokens");
  const special = cached.tokenizeWithSpecialTokens("<|fim_prefix|>x");
  assert.equal(special[0], cached.fimTokens!.prefix);
  assert.notEqual(cached.tokenize("<|fim_prefix|>x")[0], cached.fimTokens!.prefix);
});
