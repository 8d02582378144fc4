import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { InvalidModelFileError } from "../../../server/modelFiles/invalidModelFileError.js";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";
import { CODE_PROMPTS, postJson } from "../../helpers/verifierTestKit.js";

test("close() answers running and queued requests with 503, frees everything, and is idempotent", { timeout: 60_000 }, async () => {
  const { target } = await modelFamilyFixture();
  const server = await startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 2048 });
  const long = { messages: [{ role: "user", content: CODE_PROMPTS[0] }], max_tokens: 1800 };
  const running = postJson(`${server.baseUrl}/chat/completions`, long);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const queued = postJson(`${server.baseUrl}/chat/completions`, long);
  await new Promise((resolve) => setTimeout(resolve, 50));

  const start = performance.now();
  await Promise.all([server.close(), server[Symbol.asyncDispose]()]);
  const closeMs = performance.now() - start;
  for (const response of await Promise.all([running, queued])) {
    assert.equal(response.status, 503);
    assert.equal(response.body.error.code, "server_shutting_down");
  }
  assert.ok(closeMs < 1500, `close took ${closeMs.toFixed(0)} ms: work was not aborted`);
  await assert.rejects(fetch(`${server.baseUrl}/models`));
  await server.close();
});

test("a broken model file or a taken port is an error, not a crash", async () => {
  const dir = await tempDir();
  const broken = join(dir, "broken.gguf");
  await writeFile(broken, Buffer.from("GGUF not really"));
  await assert.rejects(startVerifierServer({ modelPath: broken }), InvalidModelFileError);

  const { target } = await modelFamilyFixture();
  const first = await startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 128 });
  try {
    await assert.rejects(startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 128, port: first.port }), { code: "EADDRINUSE" });
    await assert.rejects(startVerifierServer({ modelPath: target.absolutePath, slots: 0 }), RangeError);
  } finally {
    await first.close();
  }
});
