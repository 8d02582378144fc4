import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import type { Drafter } from "../../../../server/drafter/drafter.js";
import { CompletionMeter } from "../../../../server/engine/completionMeter.js";
import { runTextLoop } from "../../../../server/engine/loops/textLoop.js";
import type { TextVerification, TextVerifyRequest } from "../../../../server/verifier/verifierCalls.js";

// The text loop's handling of a verdict that straddles the end of the output, with a scripted
// verifier (what a real engine answers there is in test/server/verifier/engines/vllm.test.ts):
// the loop must not take the straddling token's top-1 as the next text, it must ask the
// verifier again with no draft.

/** A drafter of one character per token that always drafts "#". */
const hashDrafter = {
  tokenize: (text: string) => [...text].map((c) => c.codePointAt(0) as Token),
  draft: async (_key: string, _context: readonly Token[], k: number) => ({ tokens: Array.from({ length: k }, () => 35 as Token), tokenMs: Array.from({ length: k }, () => 1) }),
  isEndOfGeneration: () => false,
  textAfter: (tokens: readonly Token[]) => String.fromCodePoint(...tokens),
} as unknown as Drafter;

const stats = { latencyMs: 1, attemptMs: 1, networkMs: 0, attempts: 1, usage: { promptTokens: 0, cachedTokens: 0, completionTokens: 1 } };

function verdict(fields: Partial<TextVerification>): TextVerification {
  return { acceptedText: "", acceptedTokens: 0, draftTokens: 1, nextText: undefined, nextTextSource: "none", nextTextOverlap: 0, resync: false, stopReason: "maxTokens", stats, ...fields };
}

test("a straddling correction is replaced by the verifier's own next token after exactly the output", async () => {
  const calls: TextVerifyRequest[] = [];
  const verifier = {
    async verifyText(request: TextVerifyRequest): Promise<TextVerification> {
      calls.push(request);
      // With a draft: the verifier's token "##…" starts one character before the draft, and its top-1 there is "#" (the prompt's own tail).
      if (request.draft !== "") return verdict({ draftTokens: 1, nextText: "#", nextTextSource: "correction", nextTextOverlap: 1, resync: true });
      return verdict({ draftTokens: 0, nextText: calls.length < 6 ? " x" : "\n", nextTextSource: "bonus" });
    },
  };
  const result = await runTextLoop({
    drafter: hashDrafter,
    verifier,
    prompt: { tokens: [35 as Token], text: "#", fim: false },
    maxTokens: 10,
    k: 3,
    documentKey: "doc",
    signal: new AbortController().signal,
    meter: new CompletionMeter(),
    shouldStop: (text) => text.includes("\n"),
  });
  assert.equal(result.text, " x x\n");
  assert.equal(result.stopReason, "stopRule");
  assert.deepEqual(
    calls.map((c) => [c.prompt, c.draft]),
    [["#", "###"], ["#", ""], ["# x", "###"], ["# x", ""], ["# x x", "###"], ["# x x", ""]],
  );
});
