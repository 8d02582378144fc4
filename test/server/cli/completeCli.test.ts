import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";

// `configspec complete` as users and the e2e suite run it: the built CLI (npm run build) in a
// child process, against the real embedded verifier on 127.0.0.1.
const run = promisify(execFile);
const CLI = resolve("dist/cli.js");

const family = await modelFamilyFixture();
const server = await startVerifierServer({ modelPath: family.target.absolutePath });
after(() => server.close());
const dir = await tempDir();
const file = join(dir, "sample.py");
const source = "def mean(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n\n\ndef median(values):\n    ";
await writeFile(file, source);

function complete(...extra: string[]) {
  return run(process.execPath, [CLI, "complete", "--file", file, "--offset", String(source.length), "--max-tokens", "16", ...extra], { timeout: 120_000 });
}

const verifierFlags = ["--verifier-url", server.baseUrl, "--verifier-model", server.modelId];

test("--json reports the text, counts, timings and usage; speculative equals --k 0", async () => {
  const drafter = family.drafters[1].absolutePath;
  const speculative = JSON.parse((await complete("--drafter", drafter, ...verifierFlags, "--k", "4", "--json")).stdout);
  const verifierOnly = JSON.parse((await complete("--drafter", drafter, ...verifierFlags, "--k", "0", "--json")).stdout);
  assert.equal(speculative.text, verifierOnly.text);
  assert.equal(speculative.tokens, 16);
  assert.ok(speculative.rounds >= 4 && speculative.rounds <= 16, `${speculative.rounds} rounds`);
  assert.ok(speculative.accepted <= speculative.drafted);
  for (const key of ["draftMs", "verifyMs", "networkMs", "totalMs"]) assert.equal(typeof speculative.timings[key], "number", key);
  assert.ok(speculative.timings.totalMs >= speculative.timings.draftMs + speculative.timings.verifyMs - 1);
  assert.ok(speculative.usage.promptTokens > 0 && speculative.usage.completionTokens > 0);
  assert.equal(verifierOnly.rounds, 1);
  assert.equal(verifierOnly.drafted, 0);
});

test("plain output is the text; --protocol predicted-outputs gives the same text", async () => {
  const drafter = family.drafters[2].absolutePath;
  const plain = await complete("--drafter", drafter, ...verifierFlags, "--k", "2");
  const predicted = await complete("--drafter", drafter, ...verifierFlags, "--k", "6", "--protocol", "predicted-outputs");
  assert.equal(plain.stdout, predicted.stdout);
  assert.ok(plain.stdout.trim().length > 0);
});

test("--no-verifier runs the drafter alone and says it is unverified", async () => {
  const output = JSON.parse((await complete("--drafter", family.drafters[0].absolutePath, "--no-verifier", "--json")).stdout);
  assert.equal(output.configuration.verified, false);
  assert.equal(output.mode, "drafterOnly");
  assert.equal(output.tokens, 16);
});

test("usage errors: exit code 2 and a clear message, nothing on stdout", async () => {
  const cases: [string[], RegExp][] = [
    [["--drafter", family.drafters[0].absolutePath, ...verifierFlags, "--k", "x"], /--k expects an integer/],
    [["--k", "4", ...verifierFlags], /--k 4 needs --drafter/],
    [["--drafter", family.drafters[0].absolutePath, ...verifierFlags, "--protocol", "carrier-pigeon"], /--protocol expects/],
    [["--drafter", join(dir, "missing.gguf"), ...verifierFlags, "--k", "2"], /missing\.gguf/],
  ];
  for (const [flags, message] of cases) {
    await assert.rejects(complete(...flags), (error: { code: number; stderr: string; stdout: string }) => {
      assert.ok(error.code === 2 || error.code === 1, `exit ${error.code}`);
      assert.match(error.stderr, message);
      assert.equal(error.stdout, "");
      return true;
    });
  }
});
