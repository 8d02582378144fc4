// The typing benchmark's smoke variant (CI): one short region typed into dist/server.js over LSP
// at RTT 25 ms against the emulated cloud verifier, verifier-only (streamed) vs the fixed
// default vs drafter-only, caches warmed while typing. Asserts the result file's schema and that the verified configurations showed
// exactly what verifier-only showed at the same pauses (lossless). Needs `npm run build`.
// The same against a real llama-server (`--engine llama-server`, the cached build of
// `npm run engines:build`), with the co-located row (llama-server -md) beside the others.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TypingResultSchema } from "../../../server/bench/typing/typingSchema.js";
import { tempDir } from "../../helpers/tempDir.js";

describe("typing benchmark --smoke (dist/server.js over LSP)", () => {
  it("writes a schema-valid result whose verified suggestions equal verifier-only's", async () => {
    const out = await tempDir("configspec-typing-smoke-");
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-typing.ts", "--smoke", "--out", out], { encoding: "utf8", timeout: 150_000 });
    assert.equal(run.status, 0, `bench-typing --smoke failed:\n${run.stderr}`);
    const files = readdirSync(out);
    const json = files.find((f) => /^typing-smoke-\d{4}-\d{2}-\d{2}\.json$/.test(f));
    assert.ok(json && files.includes(json.replace(/\.json$/, ".md")), `result files: ${files.join(", ")}`);
    const result = TypingResultSchema.parse(JSON.parse(readFileSync(join(out, json), "utf8")));
    const [condition] = result.conditions;
    assert.deepEqual([condition.rttMs, condition.stepMs], [25, 25]);
    assert.deepEqual(condition.rows.map((r) => r.configuration.kind), ["verifier-only", "default", "drafter-only"]);
    for (const row of condition.rows) {
      assert.equal(row.metrics.keystrokes, result.regions[0].keystrokes, row.label);
      assert.equal(row.metrics.failedRequests, 0, `${row.label}: no request failed`);
    }
    const verified = condition.rows.filter((r) => r.configuration.kind === "default");
    for (const row of verified) assert.equal(row.lossless?.differing, 0, `${row.label}: ${JSON.stringify(row.lossless?.examples)}`);
    // The baseline streams (and stops at the first line); the verifier, on this machine, is warmed while typing.
    const [baseline] = condition.rows;
    assert.ok(baseline.daemon.verifierStreams > 0, `verifier-only streamed: ${JSON.stringify(baseline.daemon)}`);
    for (const row of condition.rows.filter((r) => r.configuration.kind !== "drafter-only")) {
      assert.ok(row.daemon.warmups > 0 && row.daemon.warmupVerifierCalls > 0, `${row.label} warmed the caches: ${JSON.stringify(row.daemon)}`);
    }
    assert.equal(result.settings.warmup, "auto");
    console.log(readFileSync(join(out, json.replace(/\.json$/, ".md")), "utf8"));
  });

  it("runs against a real llama-server with co-located speculation beside the others, lossless", async () => {
    const out = await tempDir("configspec-typing-smoke-llama-");
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-typing.ts", "--smoke", "--engine", "llama-server", "--out", out], { encoding: "utf8", timeout: 150_000 });
    assert.equal(run.status, 0, `bench-typing --smoke --engine llama-server failed:\n${run.stderr}`);
    const json = readdirSync(out).find((f) => /^typing-smoke-llama-server-\d{4}-\d{2}-\d{2}\.json$/.test(f));
    assert.ok(json, `result files: ${readdirSync(out).join(", ")}`);
    const result = TypingResultSchema.parse(JSON.parse(readFileSync(join(out, json), "utf8")));
    assert.equal(result.engine, "llama-server");
    const [condition] = result.conditions;
    assert.deepEqual([condition.rttMs, condition.stepMs], [25, 0]);
    assert.deepEqual(condition.rows.map((r) => r.configuration.kind), ["verifier-only", "default", "drafter-only", "colocated"]);
    for (const row of condition.rows) assert.equal(row.metrics.failedRequests, 0, `${row.label}: no request failed: ${row.problems.join("; ")}`);
    const colocated = condition.rows.find((r) => r.configuration.kind === "colocated")!;
    assert.equal(colocated.configuration.drafterId, condition.colocated?.drafterId);
    assert.equal(colocated.configuration.k, 4);
    assert.equal(colocated.daemon.verifierStreams > 0, true, `co-located: the daemon streamed from the engine: ${JSON.stringify(colocated.daemon)}`);
    for (const row of condition.rows.filter((r) => r.configuration.kind === "default" || r.configuration.kind === "colocated")) {
      assert.ok(row.lossless && row.lossless.compared > 0, `${row.label} compared with verifier-only`);
      assert.equal(row.lossless.differing, 0, `${row.label}: ${JSON.stringify(row.lossless.examples)}`);
    }
    // llama-server's native /completion answers (prefix-probe) are counted too.
    const speculative = condition.rows.find((r) => r.configuration.kind === "default")!;
    assert.ok(speculative.metrics.perHundredChars.promptTokens > 0, `prefix-probe tokens counted: ${JSON.stringify(speculative.metrics.perHundredChars)}`);
    const markdown = readFileSync(join(out, json.replace(/\.json$/, ".md")), "utf8");
    assert.match(markdown, /\| co-located \|/);
    console.log(markdown);
  });

  it("refuses --step-ms with a real engine", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-typing.ts", "--smoke", "--engine", "llama-server", "--step-ms", "25"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--step-ms .*llama-server runs as it is/);
  });
});
