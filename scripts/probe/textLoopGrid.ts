// The text loop against a real vLLM: the bundled drafter with another tokenizer, verified as
// text (echo + logprobs), against verifier-only on the same vLLM, prompt by prompt at each K;
// prints every completion that differs and the counts. Outputs, not time: load does not matter.
//   node --import tsx scripts/probe/textLoopGrid.ts [--prompts 50] [--ks 1,2,4,8]
import { parseArgs } from "node:util";
import { Drafter } from "../../server/drafter/drafter.js";
import { SpeculativeEngine } from "../../server/engine/speculativeEngine.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { bundledFamily } from "../../test/helpers/bundledFamily.js";
import { bundledTargetHfDir } from "../../test/helpers/realEngines.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../test/helpers/speculativeFixture.js";
import { startVllm } from "../engines/engineProcess.js";

const { values } = parseArgs({ options: { prompts: { type: "string", default: "50" }, ks: { type: "string", default: "1,2,4,8" } } });
const family = await bundledFamily();
const entry = family.drafters.find((d) => d.training?.tokenizer !== family.target.training?.tokenizer);
if (!entry) throw new Error("the bundled family has no drafter with another tokenizer");
const vllm = await startVllm({ modelDir: await bundledTargetHfDir() });
const client = new VerifierClient({ baseUrl: vllm.baseUrl, model: vllm.model, timeoutMs: 120_000 });
const drafter = await Drafter.load({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 });
const ks = values.ks!.split(",").map(Number);
const create = (k: number) => SpeculativeEngine.create({ k, drafter, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
const verifierOnly = await create(0);
const engines = await Promise.all(ks.map(create));
let differ = 0;
let failed = 0;
let compared = 0;
try {
  for (const [i, cut] of (await corpusPrompts(Number(values.prompts), REFERENCE_SEED)).entries()) {
    const input = () => ({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: REFERENCE_MAX_TOKENS, signal: new AbortController().signal, documentKey: cut.file });
    const reference = (await verifierOnly.complete(input())).text;
    for (const [j, engine] of engines.entries()) {
      compared++;
      try {
        const text = (await engine.complete(input())).text;
        if (text !== reference) console.log(`prompt ${i} K=${ks[j]}: ${JSON.stringify(text)} ≠ ${JSON.stringify(reference)}`), differ++;
      } catch (error) {
        failed++;
        console.log(`prompt ${i} K=${ks[j]}: FAILED ${(error as Error).message}`);
      }
    }
  }
} finally {
  for (const engine of [verifierOnly, ...engines]) await engine.dispose();
  await drafter.dispose();
  client.dispose();
  await vllm.stop();
}
console.log(`${compared} compared: ${differ} differ from verifier-only, ${failed} failed`);
