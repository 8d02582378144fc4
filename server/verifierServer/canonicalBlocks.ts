/**
 * Block sizes of the verifier's canonical decodes, smallest first, each dividing the next
 * (see {@link canonicalBlocks}). The smallest is what a generated token or a short draft costs;
 * the large one makes a long prompt a few decodes, each of which carries a fixed cost of its own.
 * No middle size: every block a verify round completes is decoded again whole, and a decode of 16
 * costs more per position than one of 4 or 64 (scripts/probe/blockSize.ts compares the sets).
 */
export const DEFAULT_VERIFIER_BLOCK_LEVELS: readonly number[] = [4, 64];

/** One decode: positions [start, start + size), in one call to llama.cpp. */
export interface CanonicalBlock {
  start: number;
  size: number;
}

/** Refuses levels that would not nest: each an integer ≥ 2, smallest first, dividing the next. */
export function checkBlockLevels(levels: readonly number[]): readonly number[] {
  if (levels.length === 0) throw new RangeError("block levels must name at least one size");
  levels.forEach((size, i) => {
    if (!Number.isInteger(size) || size < 2) throw new RangeError(`block levels must be integers ≥ 2, got ${levels.join(", ")}`);
    if (i > 0 && size % levels[i - 1] !== 0) throw new RangeError(`each block level must be a multiple of the one before, got ${levels.join(", ")}`);
  });
  return levels;
}

/**
 * The decodes that compute the KV of positions [0, length): whole aligned blocks of the
 * largest level as far as they fit, then of each smaller level, then one block of the
 * smallest level padded past `length`. A function of the length alone, so the KV of a position
 * depends only on the tokens; and the list for a block boundary is a prefix of the list for any
 * longer length that shares that boundary.
 */
export function canonicalBlocks(length: number, levels: readonly number[]): CanonicalBlock[] {
  const blocks: CanonicalBlock[] = [];
  let position = 0;
  for (let level = levels.length - 1; level >= 0; level--) {
    const size = levels[level];
    for (; position + size <= length; position += size) blocks.push({ start: position, size });
  }
  if (position < length) blocks.push({ start: position, size: levels[0] });
  return blocks;
}

/** The decode whose output is the prediction after `position`: the last block of the cache holding positions [0, position]. */
export function predictionBlock(position: number, levels: readonly number[]): CanonicalBlock {
  return canonicalBlocks(position + 1, levels).at(-1)!;
}

/**
 * How many leading positions of a cache computed for `from` tokens are still right for `to`
 * tokens: the blocks both lists share, each as far as `from` computed its real tokens and `to`
 * needs them (a padded block's real positions are what they would be with more tokens after them:
 * attention is causal).
 */
export function sharedKvLength(from: number, to: number, levels: readonly number[]): number {
  const held = canonicalBlocks(from, levels);
  const wanted = canonicalBlocks(to, levels);
  let shared = 0;
  for (let i = 0; i < wanted.length && i < held.length; i++) {
    const block = wanted[i];
    const needed = Math.min(block.start + block.size, to);
    if (held[i].start !== block.start || held[i].size !== block.size || needed > Math.min(block.start + block.size, from)) break;
    shared = needed;
  }
  return shared;
}

/** A cache length to evaluate up to, and the positions whose predictions its last decode yields. */
export interface PredictionState {
  length: number;
  reads: number[];
}

/**
 * The cache lengths an evaluation of positions [start, end) passes through: each needed
 * position's prediction comes from the cache holding exactly the tokens up to it, so it is the
 * same however many tokens follow; positions sharing a prediction block share one length. The
 * last length is `end`.
 */
export function predictionStates(needed: readonly number[], end: number, levels: readonly number[]): PredictionState[] {
  const states: PredictionState[] = [];
  let key = "";
  for (const position of needed) {
    const block = predictionBlock(position, levels);
    const blockKey = `${block.start}:${block.size}`;
    if (blockKey === key) {
      const state = states.at(-1)!;
      state.reads.push(position);
      state.length = position + 1;
    } else {
      states.push({ length: position + 1, reads: [position] });
      key = blockKey;
    }
  }
  if ((states.at(-1)?.length ?? -1) < end) states.push({ length: end, reads: [] });
  return states;
}
