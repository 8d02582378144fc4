import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { llamaServerForFile } from "../../../helpers/realEngines.js";
import { bundledDrafters, engineClient, LOSSLESS_KS, losslessGrid } from "./engineLossless.js";

// A real llama-server (llama.cpp built from the source node-llama-cpp ships) serving the bundled
// target: what ConfigSpec detects on it, and that speculation through it equals verifier-only on it.

const server = await llamaServerForFile({ slots: Math.max(...LOSSLESS_KS) + 1 });
const client = engineClient(server);
const drafters = await bundledDrafters();

describe("llama-server", () => {
  test("auto finds prefix-probe on its native /completion, reads its slots, and refuses echo", async () => {
    const detection = await detectVerifierProtocols(client);
    assert.equal(detection.engine, "llama-server");
    assert.equal(detection.slots, Math.max(...LOSSLESS_KS) + 1);
    assert.ok(detection.found.includes("prefix-probe"), JSON.stringify(detection.probes));
    assert.ok(!detection.found.includes("echo-logprobs"), "llama-server refuses echo on /v1/completions");
    const engine = await SpeculativeEngine.create({ k: 4, drafter: drafters[0], verifier: client, protocol: "auto" });
    try {
      assert.equal(engine.protocol?.choice.protocol, "prefix-probe");
      assert.equal(engine.protocol?.choice.variant, "llama-server");
      assert.match(engine.protocol?.choice.reason ?? "", /llama-server/);
    } finally {
      await engine.dispose();
    }
  });

  test("every drafter × K 1/2/4/8 equals verifier-only on the same llama-server", async () => {
    const grid = await losslessGrid(client, drafters);
    // llama-server refuses echo, so a drafter with another tokenizer has no protocol: a clear error, not a wrong answer.
    const family = await bundledFamily();
    const otherTokenizer = family.drafters.filter((d) => d.training?.tokenizer !== family.target.training?.tokenizer).map((d) => d.id);
    assert.deepEqual(grid.unverifiable.map((u) => u.drafterId), otherTokenizer);
    for (const { error } of grid.unverifiable) assert.match(error, /tokeniz/);
    assert.deepEqual(grid.mismatches, [], `${grid.mismatches.length} of ${grid.engines * grid.prompts} completions differ`);
    assert.ok(grid.accepted > 0, "drafts were accepted");
  });
});
