import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Token } from "node-llama-cpp";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import { decodeGreedy, type GreedyDecodingOptions } from "../../../server/verifierServer/greedyDecoding.js";
import type { VerifierSlot } from "../../../server/verifierServer/verifierSlot.js";
import { VerifierSlotPool } from "../../../server/verifierServer/verifierSlotPool.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { CODE_PROMPTS, GreedyReference } from "../../helpers/verifierTestKit.js";

const { target } = await modelFamilyFixture();
const model = await loadModel(target.absolutePath);
const pool = await VerifierSlotPool.create(model, { slots: 1, contextSize: 512 });
after(async () => {
  await pool.dispose();
  await model.dispose();
});
const reference = await GreedyReference.create();

/** The slot with a counter of evaluations that actually ran tokens (a spy on the real method). */
async function countingSlot(): Promise<{ slot: VerifierSlot; evaluations: () => number; done: () => void }> {
  const slot = await pool.acquire([]);
  const evaluate = slot.evaluate.bind(slot);
  let count = 0;
  slot.evaluate = async (tokens, needAt) => {
    if (tokens.length > 0) count++;
    return evaluate(tokens, needAt);
  };
  return { slot, evaluations: () => count, done: () => pool.release(slot) };
}

function decode(slot: VerifierSlot, options: Omit<GreedyDecodingOptions, "isEndOfGeneration">) {
  return decodeGreedy(slot, { ...options, isEndOfGeneration: (token) => model.isEogToken(token) });
}

test("a draft is verified in the prompt's batch: its agreeing prefix is taken, rejected positions are erased", async () => {
  const { slot, evaluations, done } = await countingSlot();
  try {
    const prompt = model.tokenize(CODE_PROMPTS[0], true);
    const expected = await reference.generate(prompt, 12);
    const wrong = expected.slice(5, 9).map((token) => ((token + 1) % 700) as Token);
    const result = await decode(slot, { prompt, maxTokens: 12, draft: [...expected.slice(0, 5), ...wrong] });
    assert.deepEqual(result.output, expected);
    assert.deepEqual([result.acceptedDraftTokens, result.rejectedDraftTokens], [5, 4]);
    // One batch (prompt + 9 draft tokens), then one evaluation per token after the correction.
    assert.equal(evaluations(), 1 + (12 - 5 - 1));
    assert.deepEqual(slot.tokens, [...prompt, ...expected.slice(0, -1)], "the cache mirrors prompt + output, nothing rejected left");
  } finally {
    done();
  }
});

test("the same request again is read from the cached continuation without evaluating", async () => {
  const { slot, evaluations, done } = await countingSlot();
  try {
    const prompt = model.tokenize(CODE_PROMPTS[1], true);
    const first = await decode(slot, { prompt, maxTokens: 10 });
    const before = evaluations();
    const again = await decode(slot, { prompt, maxTokens: 10 });
    assert.deepEqual(again.output, first.output);
    assert.equal(again.cachedTokens, prompt.length);
    assert.equal(evaluations(), before, "no evaluation");
    // Asking for logprobs the cache does not hold re-evaluates, with the same tokens.
    const withLogprobs = await decode(slot, { prompt, maxTokens: 10, outputLogprobs: true });
    assert.deepEqual(withLogprobs.output, first.output);
    assert.ok(withLogprobs.outputPredictions.every((p, j) => p.top?.[0].token === first.output[j]));
  } finally {
    done();
  }
});

test("an abort stops decoding between tokens and leaves the cache consistent", async () => {
  const { slot, done } = await countingSlot();
  try {
    const prompt = model.tokenize(CODE_PROMPTS[2], true);
    const controller = new AbortController();
    const aborted = decode(slot, {
      prompt,
      maxTokens: 40,
      signal: controller.signal,
      shouldStop: (output) => {
        if (output.length === 3) controller.abort(new Error("client left"));
        return false;
      },
    });
    await assert.rejects(aborted, /client left/);
    assert.equal(slot.tokens.length, prompt.length + 2, "prompt + the first two outputs were evaluated");
    const result = await decode(slot, { prompt, maxTokens: 12 });
    assert.deepEqual(result.output, await reference.generate(prompt, 12));
  } finally {
    done();
  }
});
