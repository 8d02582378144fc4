// Issue 14, part 3: the verifier's numbers at a position depend only on the tokens, not on how
// the slot's cache came to hold them or on what the other slots do. llama.cpp alone is not
// batch-invariant (scripts/probe/batchInvariance.ts: the batch split, one vs several outputs
// and a neighbour sequence in the same decode each change the bits), so this compares the kept
// predictions (argmax and top-5 logprobs) bit for bit across histories.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import type { NextTokenPrediction, VerifierSlot } from "../../../server/verifierServer/verifierSlot.js";
import { VerifierSlotPool } from "../../../server/verifierServer/verifierSlotPool.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { CODE_PROMPTS } from "../../helpers/verifierTestKit.js";

const { target } = await modelFamilyFixture();
const model = await loadModel(target.absolutePath);
const pool = await VerifierSlotPool.create(model, { slots: 2, contextSize: 512 });
after(async () => {
  await pool.dispose();
  await model.dispose();
});

const tokens = model.tokenize(CODE_PROMPTS.slice(0, 3).join("\n"), true);
const neighbour = model.tokenize(CODE_PROMPTS.slice(3, 6).join("\n"), true);

/**
 * Every position's kept prediction (argmax and top-5; the follower's logprob is kept only when
 * the follower was in the same call, so it is left out) after the history ran on an emptied slot.
 */
async function predictionsAfter(history: (slot: VerifierSlot) => Promise<void>): Promise<(Pick<NextTokenPrediction, "token" | "top"> | undefined)[]> {
  const slot = await pool.acquire([]);
  try {
    await slot.truncate(0);
    await history(slot);
    assert.deepEqual(slot.tokens, tokens, "the history ends with the cache holding exactly the tokens");
    return tokens.map((_, position) => {
      const prediction = slot.prediction(position);
      return prediction && { token: prediction.token, top: prediction.top };
    });
  } finally {
    pool.release(slot);
  }
}

const logprobs = () => "logprobs" as const;

test("the predictions at every position are bit-identical whatever the cache's history", async () => {
  const reference = await predictionsAfter((slot) => slot.evaluate(tokens, logprobs));
  assert.ok(reference.every((prediction) => prediction?.top?.length === 5));

  const histories: Record<string, (slot: VerifierSlot) => Promise<void>> = {
    "token by token": async (slot) => {
      for (const token of tokens) await slot.evaluate([token], logprobs);
    },
    "split at 1, 17, 40": async (slot) => {
      for (const [from, to] of [[0, 1], [1, 17], [17, 40], [40, tokens.length]]) await slot.evaluate(tokens.slice(from, to), logprobs);
    },
    "another prompt first, cut back to a shared prefix of 23": async (slot) => {
      await slot.evaluate([...tokens.slice(0, 23), ...neighbour], logprobs);
      await slot.truncate(23);
      await slot.evaluate(tokens.slice(23), logprobs);
    },
    "a longer continuation first, truncated in the middle of a block": async (slot) => {
      await slot.evaluate([...tokens, ...neighbour.slice(0, 20)], logprobs);
      await slot.truncate(tokens.length - 7);
      await slot.evaluate(tokens.slice(-7), logprobs);
    },
    "the other slot decoding at the same time": async (slot) => {
      const other = await pool.acquire([]);
      try {
        await Promise.all([slot.evaluate(tokens, logprobs), (async () => {
          for (let i = 0; i < 12; i++) await other.evaluate(neighbour.slice(i * 4, i * 4 + 4), () => "token");
        })()]);
      } finally {
        await other.truncate(0);
        pool.release(other);
      }
    },
  };
  for (const [label, history] of Object.entries(histories)) {
    assert.deepEqual(await predictionsAfter(history), reference, label);
  }
});

test("a position's argmax does not depend on whether logprobs were asked for there", async () => {
  const withLogprobs = await predictionsAfter((slot) => slot.evaluate(tokens, logprobs));
  const tokensOnly = await predictionsAfter((slot) => slot.evaluate(tokens, (position) => (position % 3 === 0 ? "token" : "none")));
  tokensOnly.forEach((prediction, position) => {
    if (position % 3 === 0) assert.deepEqual(prediction, { token: withLogprobs[position]?.token, top: undefined }, `position ${position}`);
    else assert.equal(prediction, undefined);
  });
  assert.ok(tokens.length > 40);
});

test("a slot can fill its whole context: the last block's padding has room", async () => {
  const slot = await pool.acquire([]);
  try {
    await slot.truncate(0);
    const filler = Array.from({ length: pool.contextSize - 1 }, (_, i) => tokens[i % tokens.length]);
    await slot.evaluate(filler.slice(0, 500), () => "none");
    await slot.evaluate(filler.slice(500), () => "token");
    assert.equal(slot.tokens.length, pool.contextSize - 1);
    assert.equal(typeof slot.prediction(pool.contextSize - 2)?.token, "number");
  } finally {
    await slot.truncate(0);
    pool.release(slot);
  }
});
