import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { CompletionCut } from "../../../server/corpus/codeCorpus.js";
import type { SpeculativeEngine } from "../../../server/engine/speculativeEngine.js";
import type { VerifierProtocol } from "../../../server/verifier/verifierProtocol.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { completeGrid, type NamedEngine, REFERENCE_MAX_TOKENS, REFERENCE_PROMPTS, speculativeFixture, verifierOnlyReference } from "../../helpers/speculativeFixture.js";

// Every protocol is lossless: speculative output byte-identical to the verifier's own greedy
// output, for every drafter and K 1/2/4/8, on 50 real code positions — the lossless suite of
// test/server/engine/lossless.test.ts run through each protocol of the real embedded verifier
// (which serves SGLang's /generate, token-array prompt lists, echo + logprobs and predictions).
// 50 prompts per protocol take minutes each on 2 cores, so the default run (npm test, CI) takes
// 12 per protocol; CONFIGSPEC_LOSSLESS_PROMPTS=50 runs the full suite (the closing figures).
// The default protocol also runs the full 50 × K × drafter grid in test/server/engine/lossless.test.ts.
// This is the one home of "protocol P is lossless"; the engine's own tests cover its loops.
const PROMPTS = Math.min(REFERENCE_PROMPTS, Number(process.env.CONFIGSPEC_LOSSLESS_PROMPTS ?? 12));
const KS = [1, 2, 4, 8];
const MAX_TOKENS = REFERENCE_MAX_TOKENS;
const PROTOCOLS: readonly { protocol: VerifierProtocol; mode: SpeculativeEngine["mode"] }[] = [
  { protocol: "sglang", mode: "tokenIds" },
  { protocol: "prefix-probe", mode: "tokenIds" },
  { protocol: "echo-logprobs", mode: "tokenIds" },
  { protocol: "predicted-outputs", mode: "prediction" },
];

const fixture = await speculativeFixture();
// A shared 2-core machine can take longer than the 10 s default for one cold request; what is
// tested here is the output, not the latency.
const client = new VerifierClient({ baseUrl: fixture.verifier.baseUrl, model: fixture.verifier.model, timeoutMs: 120_000 });

describe("every verifier protocol is lossless", () => {
  let prompts: CompletionCut[];
  let reference: string[];

  before(async () => {
    // The verifier-only reference every lossless suite shares (computed once per generated
    // family); the first PROMPTS of its prompts.
    const shared = await verifierOnlyReference(fixture);
    prompts = shared.prompts.slice(0, PROMPTS);
    reference = shared.texts.slice(0, PROMPTS);
  });

  test("auto on the embedded verifier finds every protocol and picks sglang", async () => {
    const engine = await fixture.engine({ k: 4, verifier: client, protocol: "auto" });
    assert.equal(engine.mode, "tokenIds");
    assert.deepEqual(engine.protocol?.detection?.found, ["sglang", "prefix-probe", "echo-logprobs", "predicted-outputs"]);
    assert.equal(engine.protocol?.choice.protocol, "sglang");
    assert.match(engine.protocol?.choice.reason ?? "", /^sglang: auto/);
  });

  for (const { protocol, mode } of PROTOCOLS) {
    test(`${protocol}: ${PROMPTS} prompts × K ${KS.join("/")} × every drafter equal verifier-only`, async () => {
      const engines: NamedEngine[] = [];
      for (const drafter of fixture.drafters) {
        for (const k of KS) engines.push({ name: `${drafter.id} K=${k}`, engine: await fixture.engine({ k, drafter, verifier: client, protocol }) });
      }
      assert.ok(engines.every(({ engine }) => engine.mode === mode), `every engine decodes in ${mode} mode`);
      const { mismatches, accepted, drafted } = await completeGrid(engines, prompts, reference, MAX_TOKENS);
      for (const { engine } of engines) await engine.dispose();
      assert.deepEqual(mismatches, []);
      assert.ok(accepted > 0 && accepted <= drafted, `accepted ${accepted} of ${drafted}`);
    });
  }
});
