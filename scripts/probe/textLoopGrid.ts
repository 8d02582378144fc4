// The text loop against a real vLLM: the bundled drafter with another tokenizer, verified as
// text (echo + logprobs), against verifier-only on the same vLLM, prompt by prompt at each K;
// prints every completion that differs or fails and the counts (server/bench/exactnessCheck.ts). Outputs, not time: load does not matter.
//   node --import tsx scripts/probe/textLoopGrid.ts [--prompts 50] [--ks 1,2,4,8]
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import { parseArgs } from "node:util";
import type { Drafter } from "../../server/drafter/drafter.js";
import { checkExactness } from "../../server/bench/exactnessCheck.js";
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
const drafter = await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 });
try {
  const prompts = await corpusPrompts(Number(values.prompts), REFERENCE_SEED);
  const ks = values.ks!.split(",").map(Number);
  const result = await checkExactness({ client, drafters: [drafter], prompts, ks, maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW, keepGoing: true });
  for (const line of [...result.mismatches, ...result.failures.map((f) => `FAILED ${f}`), ...result.unverifiable.map((u) => `UNVERIFIABLE ${u.drafterId}: ${u.error}`)]) console.log(line);
  console.log(`${result.compared} compared: ${result.mismatches.length} differ from verifier-only, ${result.failures.length} failed`);
} finally {
  await drafter.dispose();
  client.dispose();
  await vllm.stop();
}
