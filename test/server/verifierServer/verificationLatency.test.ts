import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import type { PredictionNeed } from "../../../server/verifierServer/verifierSlot.js";
import { VerifierSlotPool } from "../../../server/verifierServer/verifierSlotPool.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { CODE_PROMPTS, postJson, startTargetVerifier } from "../../helpers/verifierTestKit.js";

const CONTEXT_TOKENS = 200;
const TRIALS = 15;
const server = await startTargetVerifier({ slots: 1, contextSize: 512 });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Deterministic "draft" tokens from the ordinary (non-special) part of the vocabulary. */
function draftTokens(k: number, seed: number): number[] {
  return Array.from({ length: k }, (_, i) => 100 + ((seed * 131 + i * 37) % 600));
}

/**
 * One verification round as the client sends it: the cache holds the 200-token context (with
 * logprobs, from the previous round); the request adds the verifier's own last token (the
 * previous correction or bonus, its argmax) and K draft tokens, so K+1 positions are evaluated
 * in one batch. Printed as a table; asserted only loosely (the machine is shared).
 */
test("latency of verifying K = 1, 4, 8 drafts on a 200-token cached context", { timeout: 120_000 }, async (t) => {
  const { target } = await modelFamilyFixture();
  const model = await loadModel(target.absolutePath);
  const pool = await VerifierSlotPool.create(model, { slots: 1, contextSize: 512 });
  t.after(async () => {
    await pool.dispose();
    await model.dispose();
  });
  let context: Token[] = [];
  for (let i = 0; context.length < CONTEXT_TOKENS; i++) context = [...context, ...model.tokenize(CODE_PROMPTS[i % CODE_PROMPTS.length], true)];
  context = context.slice(0, CONTEXT_TOKENS);

  const verify = (prompt: number[]) => postJson(`${server.baseUrl}/completions`, { prompt, max_tokens: 1, echo: true, logprobs: 1, return_tokens_as_token_ids: true });
  const primed = await postJson(`${server.baseUrl}/completions`, { prompt: context, max_tokens: 1, echo: true, logprobs: 1, return_tokens_as_token_ids: true });
  const last = Number(/^token_id:(\d+)$/.exec(primed.body.choices[0].logprobs.tokens.at(-1))![1]);

  const slot = await pool.acquire(context);
  const rows: string[] = ["K  positions  evaluate argmax  evaluate +logprobs  HTTP round trip (echo, logprobs=1)"];
  try {
    for (const k of [1, 4, 8]) {
      const timings = { token: [] as number[], logprobs: [] as number[], http: [] as number[] };
      for (let trial = 0; trial < TRIALS; trial++) {
        const round = [last, ...draftTokens(k, trial)] as Token[];
        for (const need of ["token", "logprobs"] as const satisfies PredictionNeed[]) {
          await slot.truncate(CONTEXT_TOKENS);
          if (slot.tokens.length < CONTEXT_TOKENS) await slot.evaluate(context.slice(slot.tokens.length), () => "none");
          const start = performance.now();
          await slot.evaluate(round, () => need);
          timings[need].push(performance.now() - start);
        }
        // Reset the server's slot to the context (a full cache hit), then time the round.
        await verify(context);
        const start = performance.now();
        const { status, body } = await verify([...context, ...round]);
        timings.http.push(performance.now() - start);
        assert.equal(status, 200);
        assert.equal(body.usage.prompt_tokens_details.cached_tokens, CONTEXT_TOKENS, "only the round's K+1 tokens are evaluated");
      }
      rows.push(
        `${k}  ${String(k + 1).padStart(9)}  ${median(timings.token).toFixed(2).padStart(11)} ms  ${median(timings.logprobs).toFixed(2).padStart(15)} ms  ${median(timings.http).toFixed(2).padStart(10)} ms`,
      );
      assert.ok(median(timings.http) < 500, `K=${k}: a cached verification should take milliseconds, took ${median(timings.http)} ms`);
    }
  } finally {
    pool.release(slot);
  }
  for (const row of rows) t.diagnostic(row);
});
