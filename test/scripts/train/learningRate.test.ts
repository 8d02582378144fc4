// The training schedule (scripts/train/train_lm.py): a cosine over the member's minutes, and a
// finished member given more minutes (`--resume` with a raised budget) warms up again over the
// added minutes rather than jumping to wherever the longer cosine would be.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { trainEnv, trainPython } from "../../../scripts/train/python.mjs";

function schedule(expression: string): number[] {
  const code = `import json, train_lm as t\nprint(json.dumps(${expression}))`;
  const run = spawnSync(trainPython(), ["-c", code], { cwd: "scripts/train", encoding: "utf8", env: trainEnv() });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as number[];
}

test("a fresh run follows the cosine over its whole budget", () => {
  const [start, middle, end] = schedule("[t.segment_fraction({'seconds': s}, 600) for s in (0, 300, 600)]");
  assert.deepEqual([start, middle, end], [0, 0.5, 1]);
});

test("a finished member given more minutes restarts its warm-up over the added minutes", () => {
  // Finished at 25 min, budget raised to 67: the first step of the new segment is at fraction 0 (warm-up), not 0.37.
  const [first, later, lrFirst, lrPeak] = schedule(
    "[t.segment_fraction({'seconds': 1500, 'segment_from_s': 1500}, 4020), t.segment_fraction({'seconds': 2760, 'segment_from_s': 1500}, 4020)," +
      " t.learning_rate(1e-3, 0.0), t.learning_rate(1e-3, 0.03)]",
  );
  assert.equal(first, 0);
  assert.equal(later, 0.5);
  assert.equal(lrFirst, 0);
  assert.ok(Math.abs(lrPeak - 1e-3) < 1e-12, `peak ${lrPeak}`);
});
