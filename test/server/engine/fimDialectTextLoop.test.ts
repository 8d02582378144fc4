import { loadDrafter } from "../../../server/drafter/loadDrafter.js";
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Drafter } from "../../../server/drafter/drafter.js";
import { SpeculativeEngine } from "../../../server/engine/speculativeEngine.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { fimDialectModel } from "../../helpers/fimDialectModels.js";

// A Qwen-dialect drafter speculating for a DeepSeek-dialect verifier (the embedded verifier, which
// takes text drafts by echo): the drafts go as text, the verifier is sent FIM text in its own
// dialect, and the output is the verifier-only output for that same text.

const [qwen, deepseek] = await Promise.all([fimDialectModel("qwen"), fimDialectModel("deepseek")]);
const server = await startVerifierServer({ modelPath: deepseek.path, slots: 2 });
const client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId, timeoutMs: 60_000 });
const drafter = await loadDrafter({ id: "fim-qwen", uriOrPath: qwen.path, contextSize: 512, sequences: 2 });
after(async () => {
  await drafter.dispose();
  client.dispose();
  await server.close();
});

const CURSORS: [string, string][] = [
  ["def total(items):\n    return ", "\n\nprint(total([1, 2]))\n"],
  ["const x = [1, 2, 3];\nfor (const v of x) {\n  ", "\n}\n"],
  ["class Stack:\n    def push(self, x):\n        ", "\n"],
];

test("another family's verifier: text drafts, the verifier's own FIM dialect, and verifier-only's text", async () => {
  const speculative = await SpeculativeEngine.create({ k: 3, drafter, verifier: client, protocol: "auto" });
  const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter, verifier: client, protocol: "auto" });
  try {
    assert.equal(speculative.mode, "text");
    assert.match(speculative.promptNote ?? "", /own deepseek dialect/);
    for (const [prefix, suffix] of CURSORS) {
      const sent = speculative.promptFor(prefix, suffix);
      assert.ok(sent.text.startsWith(`<｜fim▁begin｜>${prefix}`) && sent.text.endsWith(`<｜fim▁hole｜>${suffix}<｜fim▁end｜>`), sent.text);
      assert.equal(verifierOnly.promptFor(prefix, suffix).text, sent.text);
      const input = { prefix, suffix, languageId: "python", maxTokens: 12, signal: new AbortController().signal };
      const expected = await verifierOnly.complete(input);
      const direct = await client.generate({ prompt: verifierOnly.promptFor(prefix, suffix, 12).text, maxTokens: 12 });
      assert.ok(expected.text.length > 0);
      assert.equal(expected.text, direct.text, "verifier-only sends the verifier's dialect");
      assert.equal((await speculative.complete(input)).text, expected.text);
    }
  } finally {
    await speculative.dispose();
    await verifierOnly.dispose();
  }
});
