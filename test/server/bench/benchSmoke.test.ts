import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { BenchResultSchema } from "../../../server/bench/benchSchema.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";

// `configspec bench --smoke` as CI runs it: the built CLI (npm run build) in a child process,
// the generated family, one network condition, a few prompts; then the files it wrote.
const run = promisify(execFile);
const CLI = resolve("dist/cli.js");
/** The budget for the smoke bench. */
const SMOKE_BUDGET_MS = 3 * 60_000;

test("bench --smoke writes a schema-valid result, a Markdown report and its charts, in under 3 minutes", async () => {
  const family = await modelFamilyFixture();
  const out = await tempDir("configspec-bench-");
  const started = performance.now();
  const { stdout } = await run(process.execPath, [CLI, "bench", "--smoke", "--models", family.dir, "--out", out], { timeout: SMOKE_BUDGET_MS + 60_000, maxBuffer: 16 << 20 });
  const wallMs = performance.now() - started;
  assert.ok(wallMs < SMOKE_BUDGET_MS, `smoke bench took ${(wallMs / 1000).toFixed(0)} s`);

  const files = await readdir(out);
  const jsonFile = files.find((f) => f.endsWith("-smoke.json"));
  const markdownFile = files.find((f) => f.endsWith("-smoke.md"));
  assert.ok(jsonFile && markdownFile, `expected the result and report, found ${files.join(", ")}`);
  const result = BenchResultSchema.parse(JSON.parse(await readFile(join(out, jsonFile), "utf8")));

  // Sanity: one condition, every role measured, verified output equals verifier-only's.
  assert.equal(result.smoke, true);
  assert.equal(result.conditions.length, 1);
  const [condition] = result.conditions;
  assert.ok(condition.rttMs > 0, "the smoke condition injects a network delay");
  assert.ok(condition.allExact, "every verified configuration reproduces verifier-only's text");
  const labels = new Set(condition.rows.map((r) => r.label));
  for (const label of [condition.roles.verifierOnly, condition.roles.drafterOnly, condition.roles.popularDefault, ...Object.values(condition.roles.picks), ...Object.values(condition.roles.oracles)]) {
    assert.ok(labels.has(label), `${label} measured`);
  }
  for (const row of condition.rows) {
    assert.ok(row.goodput.median > 0, `${row.label} goodput`);
    assert.ok(row.goodput.min <= row.goodput.median && row.goodput.median <= row.goodput.max, `${row.label} spread`);
    assert.ok(row.latencyMs.p50 <= row.latencyMs.p95, `${row.label} latency`);
    assert.ok(row.joulesPerCompletion > 0, `${row.label} energy`);
    assert.ok(row.efficiency > 0 && row.efficiency <= 1.01, `${row.label} efficiency ${row.efficiency}`);
    if (row.kind === "drafter-only") assert.equal(row.usdPer1kCompletions, 0);
    else assert.ok(row.usdPer1kCompletions > 0, `${row.label} cost`);
    if (row.kind === "speculative") assert.ok(row.tokensPerRound >= 1 && row.tokensPerRound <= row.configuration.k + 1, `${row.label} tokens/round`);
  }
  const headline = condition.rows.find((r) => r.label === condition.roles.popularDefault);
  assert.ok(headline && headline.passes === result.workload.passes, "headline configurations are repeated");
  for (const r of condition.regret) assert.ok(r.regret >= 0 && r.regret <= 1);
  assert.equal(condition.predictionError.length, 3);

  // The peer ran on the same prompts and produced the same greedy text.
  assert.ok(result.peer, "peer comparison ran");
  for (const variant of result.peer.variants) {
    assert.ok(variant.goodputRatio.median > 0);
    assert.equal(variant.completions, result.workload.prompts.length);
  }

  const markdown = await readFile(join(out, markdownFile), "utf8");
  assert.match(markdown, /\| condition \| verifier-only tok\/s/);
  assert.match(markdown, /regret of each pick/);
  for (const [, file] of markdown.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)) {
    assert.ok(files.includes(file), `chart ${file} written`);
    assert.match(await readFile(join(out, file), "utf8"), /^<svg/);
  }
  assert.match(stdout, /results: .*\.json/);
});
