import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectVerifierProtocols } from "../../../../server/verifier/protocols/protocolDetection.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { PrefixProbeVerifier } from "../../../../server/verifier/protocols/prefixProbeProtocol.js";
import { llamaServerWarmup } from "../../../../server/verifier/promptWarmup.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { llamaServerForFile } from "../../../helpers/realEngines.js";
import { completionInput, corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED } from "../../../helpers/speculativeFixture.js";
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

  test("a warm-up on K+1 slots leaves a round at that context only the drafts to compute", async () => {
    const [cut] = await corpusPrompts(1, REFERENCE_SEED + 1);
    const context = drafters[0]!.tokenizeWithSpecialTokens(cut!.prefix).slice(-400);
    const k = 4;
    const warm = await llamaServerWarmup(k + 1).warm(client, context);
    assert.equal(warm.usage.promptTokens, (k + 1) * context.length, "every copy evaluated the whole prompt");
    const round = await new PrefixProbeVerifier(client, "llama-server").verifyDraft({ context, draft: context.slice(0, k) });
    // Each of the K+1 prompts found its context in a slot: at most a token or two per prompt was computed anew.
    assert.ok(round.stats.usage.cachedTokens >= (k + 1) * (context.length - 2), `cached ${round.stats.usage.cachedTokens} of ${round.stats.usage.promptTokens}`);
  });

  test("with fewer slots than a round's K+1 prompts the round still verifies, and the reason names the fix", async () => {
    const narrow = await llamaServerForFile({ slots: 2 });
    const narrowClient = engineClient(narrow);
    const engine = await SpeculativeEngine.create({ k: 4, drafter: drafters[0], verifier: narrowClient, protocol: "auto" });
    const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter: drafters[0], verifier: narrowClient, protocol: "auto" });
    try {
      assert.match(engine.protocol?.choice.reason ?? "", /warning: llama-server has 2 slot\(s\).*-np 5/);
      const [cut] = await corpusPrompts(1, REFERENCE_SEED);
      const input = () => completionInput(cut!, REFERENCE_MAX_TOKENS);
      assert.equal((await engine.complete(input())).text, (await verifierOnly.complete(input())).text);
    } finally {
      await engine.dispose();
      await verifierOnly.dispose();
    }
  });

  test("every drafter × K 1/2/4/8 equals verifier-only on the same llama-server", async (t) => {
    const grid = await losslessGrid(client, drafters);
    t.diagnostic(`${grid.mismatches.length} of ${grid.compared} completions differ (${grid.prompts} prompts); ${grid.accepted} of ${grid.drafted} drafted tokens accepted; no protocol for: ${grid.unverifiable.map((u) => u.drafterId).join(", ") || "none"}`);
    // llama-server refuses echo, so a drafter with another tokenizer has no protocol: a clear error, not a wrong answer.
    const family = await bundledFamily();
    const otherTokenizer = family.drafters.filter((d) => d.training?.tokenizer !== family.target.training?.tokenizer).map((d) => d.id);
    assert.deepEqual(grid.unverifiable.map((u) => u.drafterId), otherTokenizer);
    for (const { error } of grid.unverifiable) assert.match(error, /tokeniz/);
    assert.deepEqual(grid.mismatches, [], `${grid.mismatches.length} of ${grid.compared} completions differ`);
    assert.ok(grid.accepted > 0, "drafts were accepted");
  });
});
