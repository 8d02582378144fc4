import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

/** The CLI from source through tsx: what `node dist/cli.js` runs once bundled. */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
}

function exitCode(child: ReturnType<typeof spawnCli>): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

test("configspec verifier prints its address once ready, serves, and exits 0 on SIGTERM", { timeout: 60_000 }, async () => {
  const { target } = await modelFamilyFixture();
  const child = spawnCli(["verifier", "--model", target.absolutePath, "--port", "0", "--api-key", "k", "--model-id", "cli-target", "--slots", "1", "--context-size", "256"]);
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = exitCode(child);
  try {
    const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    const match = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line ?? "");
    assert.ok(match, `first stdout line: ${JSON.stringify(line)}; stderr: ${stderr}`);
    assert.notEqual(Number(match[1]), 0, "port 0 prints the real port");

    const base = `http://127.0.0.1:${match[1]}/v1`;
    assert.equal((await fetch(`${base}/models`)).status, 401);
    const models = await (await fetch(`${base}/models`, { headers: { authorization: "Bearer k" } })).json();
    assert.equal(models.data[0].id, "cli-target");
    const completion = await fetch(`${base}/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ prompt: "def f(x):", max_tokens: 3 }),
    });
    assert.equal(completion.status, 200);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
});

test("configspec verifier without --model is a usage error (exit 2)", { timeout: 60_000 }, async () => {
  const child = spawnCli(["verifier", "--port", "0"]);
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  assert.equal(await exitCode(child), 2);
  assert.match(stderr, /missing --model/);
  assert.match(stderr, /usage: configspec verifier --model PATH --port P/);
});

test("--api-key-env reads the key from the environment (kept out of `ps`); an unset variable is a usage error", { timeout: 60_000 }, async () => {
  const { target } = await modelFamilyFixture();
  const child = spawnCli(["verifier", "--model", target.absolutePath, "--port", "0", "--api-key-env", "CS_TEST_KEY", "--slots", "1", "--context-size", "256"], {
    CS_TEST_KEY: "from-env",
  });
  const exited = exitCode(child);
  try {
    const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    const base = `${/^listening on (http:\/\/\S+)$/.exec(line ?? "")?.[1]}/v1`;
    assert.equal((await fetch(`${base}/models`)).status, 401);
    assert.equal((await fetch(`${base}/models`, { headers: { authorization: "Bearer from-env" } })).status, 200);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0);

  const unset = spawnCli(["verifier", "--model", target.absolutePath, "--port", "0", "--api-key-env", "CS_TEST_KEY_UNSET"]);
  let stderr = "";
  unset.stderr.on("data", (chunk) => (stderr += chunk));
  assert.equal(await exitCode(unset), 2);
  assert.match(stderr, /CS_TEST_KEY_UNSET is not set/);
});
