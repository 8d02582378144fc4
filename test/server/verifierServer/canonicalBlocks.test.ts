import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalBlocks, checkBlockLevels, predictionBlock, predictionStates, sharedKvLength } from "../../../server/verifierServer/canonicalBlocks.js";

const LEVELS = [4, 16, 64];
const blocks = (length: number) => canonicalBlocks(length, LEVELS).map(({ start, size }) => `${start}+${size}`).join(" ");

test("a length is covered by the largest whole aligned blocks first, then smaller ones, the tail padded to the smallest", () => {
  assert.equal(blocks(0), "");
  assert.equal(blocks(3), "0+4");
  assert.equal(blocks(16), "0+16");
  assert.equal(blocks(63), "0+16 16+16 32+16 48+4 52+4 56+4 60+4");
  assert.equal(blocks(64), "0+64");
  assert.equal(blocks(150), "0+64 64+64 128+16 144+4 148+4");
});

test("the decomposition at a block boundary is a prefix of every longer one sharing it", () => {
  for (let length = 1; length < 300; length++) {
    const longer = canonicalBlocks(length + 37, LEVELS);
    for (const block of canonicalBlocks(length, LEVELS)) {
      const end = block.start + block.size;
      if (end > length) continue;
      const prefix = canonicalBlocks(end, LEVELS);
      const inLonger = longer.slice(0, prefix.length);
      if (inLonger.at(-1)?.start === block.start && inLonger.at(-1)?.size === block.size) assert.deepEqual(inLonger, prefix, `${end} in ${length + 37}`);
    }
  }
});

test("a prediction comes from the last block of the cache ending at its position", () => {
  assert.deepEqual(predictionBlock(13, LEVELS), { start: 12, size: 4 });
  assert.deepEqual(predictionBlock(15, LEVELS), { start: 0, size: 16 });
  assert.deepEqual(predictionBlock(63, LEVELS), { start: 0, size: 64 });
  assert.deepEqual(predictionBlock(64, LEVELS), { start: 64, size: 4 });
});

test("the KV kept between two lengths stops at the first block they compute differently", () => {
  assert.equal(sharedKvLength(0, 10, LEVELS), 0);
  assert.equal(sharedKvLength(10, 11, LEVELS), 8, "the padded block is evaluated again with its new token");
  assert.equal(sharedKvLength(15, 16, LEVELS), 0, "the four small blocks become one block of 16");
  assert.equal(sharedKvLength(70, 50, LEVELS), 0, "the block of 64 no longer exists at 50");
  assert.equal(sharedKvLength(50, 47, LEVELS), 32, "the block of 16 at 32 is small blocks at 47");
  assert.equal(sharedKvLength(47, 45, LEVELS), 45, "a block cut short keeps its real positions");
  assert.equal(sharedKvLength(150, 131, LEVELS), 128);
  assert.equal(sharedKvLength(150, 150, LEVELS), 150);
});

test("an evaluation stops once per prediction block, at the last needed position, and ends at its end", () => {
  const states = predictionStates([12, 13, 14, 15, 16, 18], 30, LEVELS);
  assert.deepEqual(states, [
    { length: 15, reads: [12, 13, 14] },
    { length: 16, reads: [15] },
    { length: 19, reads: [16, 18] },
    { length: 30, reads: [] },
  ]);
  assert.deepEqual(predictionStates([29], 30, LEVELS), [{ length: 30, reads: [29] }]);
});

test("levels must nest", () => {
  assert.throws(() => checkBlockLevels([]), RangeError);
  assert.throws(() => checkBlockLevels([1, 4]), RangeError);
  assert.throws(() => checkBlockLevels([4, 6]), /multiple/);
  assert.deepEqual(checkBlockLevels([4, 16]), [4, 16]);
});
