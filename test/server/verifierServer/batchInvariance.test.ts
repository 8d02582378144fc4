// Issue 14, part 3: the verifier's numbers at a position depend only on the tokens, not on how
// the slot's cache came to hold them or on what the other slots do. llama.cpp alone is not
// batch-invariant (scripts/probe/batchInvariance.ts: the batch split, one vs several outputs
// and a neighbour sequence in the same decode each change the bits), so this compares the kept
// predictions (argmax and top-5 logprobs) bit for bit across histories.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Token } from "node-llama-cpp";
import { DEFAULT_VERIFIER_BLOCK_LEVELS } from "../../../server/verifierServer/canonicalBlocks.js";
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
async function predictionsAfter(history: (slot: VerifierSlot) => Promise<void>, expected: readonly Token[] = tokens, on = pool): Promise<(Pick<NextTokenPrediction, "token" | "top"> | undefined)[]> {
  const slot = await on.acquire([]);
  try {
    await slot.truncate(0);
    await history(slot);
    assert.deepEqual(slot.tokens, expected, "the history ends with the cache holding exactly the tokens");
    return expected.map((_, position) => kept(slot.prediction(position)));
  } finally {
    on.release(slot);
  }
}

function kept(prediction: NextTokenPrediction | undefined): Pick<NextTokenPrediction, "token" | "top"> | undefined {
  return prediction && { token: prediction.token, top: prediction.top };
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

// Past a block of 256 and through every smaller level's boundaries.
const long = model.tokenize(Array.from({ length: 6 }, () => CODE_PROMPTS.join("\n")).join("\n"), true).slice(0, 300);

for (const blockLevels of [DEFAULT_VERIFIER_BLOCK_LEVELS, [4, 16, 64, 256]]) {
  test(`with levels ${blockLevels.join(", ")}, across large-block boundaries every prediction is the one the cache ending at its position gives`, async () => {
    assert.equal(long.length, 300);
    const levelled = await VerifierSlotPool.create(model, { slots: 1, contextSize: 512, blockLevels });
    try {
      const after = (history: (slot: VerifierSlot) => Promise<void>, expected: readonly Token[] = long) => predictionsAfter(history, expected, levelled);
      const reference = await after((slot) => slot.evaluate(long, logprobs));
      assert.ok(reference.every((prediction) => prediction?.top?.length === 5));

      const histories: Record<string, (slot: VerifierSlot) => Promise<void>> = {
        "token by token, as verifier-only generation reads them": async (slot) => {
          for (const token of long) await slot.evaluate([token], logprobs);
        },
        "drafts of 40 across the boundaries at 64 and 256": async (slot) => {
          for (const [from, to] of [[0, 50], [50, 90], [90, 230], [230, 270], [270, 300]]) await slot.evaluate(long.slice(from, to), logprobs);
        },
        "the whole prompt, cut back inside a large block, then evaluated again": async (slot) => {
          await slot.evaluate(long, () => "none");
          await slot.truncate(201);
          await slot.evaluate(long.slice(201), logprobs);
          await slot.truncate(0);
          await slot.evaluate(long.slice(0, 199), logprobs);
          await slot.evaluate(long.slice(199), logprobs);
        },
      };
      for (const [label, history] of Object.entries(histories)) {
        assert.deepEqual(await after(history), reference, label);
      }

      // One cold prompt per length, asking only at its last position (what a completion's first token reads).
      for (const length of [15, 16, 17, 63, 64, 65, 255, 256, 257, 300]) {
        const prefix = long.slice(0, length);
        const predictions = await after((slot) => slot.evaluate(prefix, (position) => (position === length - 1 ? "logprobs" : "none")), prefix);
        assert.deepEqual(predictions[length - 1], reference[length - 1], `a cold prompt of ${length}`);
      }
    } finally {
      await levelled.dispose();
    }
  });
}

test("the large blocks compute different bits from small ones, so the comparisons above can fail", async () => {
  const smallOnly = await VerifierSlotPool.create(model, { slots: 1, contextSize: 512, blockLevels: [DEFAULT_VERIFIER_BLOCK_LEVELS[0]] });
  try {
    const canonical = await predictionsAfter((slot) => slot.evaluate(long, logprobs), long);
    const small = await predictionsAfter((slot) => slot.evaluate(long, logprobs), long, smallOnly);
    assert.notDeepEqual(small, canonical);
  } finally {
    await smallOnly.dispose();
  }
});
