import assert from "node:assert/strict";
import { test } from "node:test";
import { dominates, paretoFront } from "../../../server/selector/paretoFront.js";

test("dominance needs at least as good everywhere and better somewhere", () => {
  assert.equal(dominates([2, 2], [1, 2]), true);
  assert.equal(dominates([2, 2], [2, 2]), false);
  assert.equal(dominates([3, 1], [1, 3]), false);
  assert.equal(dominates([Infinity, 1], [5, 1]), true);
});

test("the front keeps non-dominated points in input order, ties included", () => {
  const points = [[1, 5], [2, 2], [5, 1], [1, 1], [2, 2], [0, 5]];
  assert.deepEqual(paretoFront(points, (p) => p), [[1, 5], [2, 2], [5, 1], [2, 2]]);
  assert.deepEqual(paretoFront([], (p: number[]) => p), []);
});
