import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import type { Drafter } from "../../../server/drafter/drafter.js";
import { PowerTally } from "../../../server/profiler/powerTally.js";
import { sweepThreads, THREAD_SWEEP_REPEATS } from "../../../server/profiler/threadSweep.js";
import { acceptFromArgmax, type TokenVerifier } from "../../../server/verifier/protocols/tokenVerifier.js";

/** Drafting right after a verification is slower (the verifier's threads still hold the cores); drafting back to back is not. */
const AFTER_VERIFY_MS = 7;
const BACK_TO_BACK_MS = 3;
const PREFILL_MS = 100;

function fakes() {
  const calls: string[] = [];
  let verifiedLast = false;
  const seen = new Set<string>();
  const drafter = {
    id: "fake",
    threads: 1,
    async draft(key: string, context: readonly Token[], k: number) {
      const cold = !seen.has(key);
      seen.add(key);
      const perToken = verifiedLast ? AFTER_VERIFY_MS : BACK_TO_BACK_MS;
      verifiedLast = false;
      calls.push("draft");
      const tokens = Array.from({ length: k }, (_, i) => ((context.length + i) % 50) + 1) as Token[];
      return { tokens, tokenMs: tokens.map((_, i) => (i === 0 && cold ? PREFILL_MS : perToken)), evaluatedContextTokens: cold ? context.length : 1 };
    },
    async forgetDocument(key: string) {
      seen.delete(key);
      calls.push("forget");
    },
    isEndOfGeneration: () => false,
    textAfter: (tokens: readonly Token[]) => tokens.join(" "),
  } as unknown as Drafter;
  const verifier: TokenVerifier = {
    protocol: "sglang",
    route: "POST /fake",
    async verifyDraft({ context, draft }) {
      verifiedLast = true;
      calls.push("verify");
      // The verifier agrees with every draft: each round keeps K + 1 tokens.
      const verifierTokens = [...draft.map(Number), ((context.length + draft.length) % 50) + 1];
      const stats = { latencyMs: 2, attemptMs: 2, networkMs: 0, attempts: 1, usage: { promptTokens: context.length + draft.length, cachedTokens: context.length - 1, completionTokens: 1 } };
      return { verifierTokens, ...acceptFromArgmax(draft, verifierTokens), stopReason: "maxTokens", stats };
    },
    tokenize: async () => [],
  };
  return { calls, drafter, verifier };
}

test("thread speeds are timed inside engine rounds, between real verifications, warm rounds only", async () => {
  const { calls, drafter, verifier } = fakes();
  const points = await sweepThreads({ baseline: drafter, uriOrPath: "/fake.gguf", threadCounts: [1], prompt: Array.from({ length: 20 }, (_, i) => i + 1) as Token[], k: 4, verifier, tally: new PowerTally(undefined) });
  assert.equal(points.length, 1);
  assert.equal(points[0].threads, 1);
  assert.equal(points[0].measuredIn, "engineRounds");
  // Drafting alone would read 3 ms; inside the engine's rounds every draft follows a verification.
  // The cold first round (prefilling the prompt, drafting before any verification) is not timed.
  assert.deepEqual([points[0].draftMsPerToken.median, points[0].draftMsPerToken.p90], [AFTER_VERIFY_MS, AFTER_VERIFY_MS]);
  // Each draft is followed by its verification, and the sweep's document is forgotten after.
  const rounds = calls.filter((c) => c === "draft").length;
  assert.equal(rounds, THREAD_SWEEP_REPEATS + 1);
  assert.deepEqual(calls.slice(0, 4), ["draft", "verify", "draft", "verify"]);
  assert.equal(calls.at(-1), "forget");
});
