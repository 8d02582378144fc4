// What the embedded verifier's block size costs: a cold prefill of a 1,000-token prompt and the
// generation of 32 tokens after it, on one slot, for blocks of 2, 4, 8 and 16 positions (twice
// each), and the first generated tokens (identical at every size: the block changes the cost, not
// the output). Behind DEFAULT_VERIFIER_BLOCK_TOKENS in server/verifierServer/verifierSlot.ts.
//   node --import tsx scripts/probe/blockSize.ts [model.gguf]   (default: the bundled trained target)
import { readFileSync } from "node:fs";
import { getLlama } from "node-llama-cpp";
import { bundledFamilyDir } from "../../server/modelFiles/bundledFamily.js";
import { decodeGreedy } from "../../server/verifierServer/greedyDecoding.js";
import { VerifierSlotPool } from "../../server/verifierServer/verifierSlotPool.js";

const modelPath = process.argv[2] ?? `${bundledFamilyDir()}/target-4l-192-f32.gguf`;
const llama = await getLlama({ gpu: false });
const model = await llama.loadModel({ modelPath });
const prompt = model.tokenize(readFileSync("server/verifierServer/verifierSlot.ts", "utf8")).slice(0, 1000);
const isEndOfGeneration = () => false;
console.log(`${modelPath}: ${prompt.length}-token prompt, 32 generated tokens, one slot`);
for (const blockTokens of [2, 4, 8, 16]) {
  const pool = await VerifierSlotPool.create(model, { slots: 1, contextSize: 1200, blockTokens });
  const [slot] = pool.slots;
  const trials: string[] = [];
  for (let trial = 0; trial < 2; trial++) {
    await slot.reset();
    let started = performance.now();
    const first = await decodeGreedy(slot, { prompt, maxTokens: 1, isEndOfGeneration });
    const prefillMs = performance.now() - started;
    started = performance.now();
    const generated = await decodeGreedy(slot, { prompt: [...prompt, ...first.output], maxTokens: 32, isEndOfGeneration });
    const perToken = (performance.now() - started) / 32;
    trials.push(`prefill ${prefillMs.toFixed(0)} ms, generation ${perToken.toFixed(2)} ms/token, first tokens ${generated.output.slice(0, 6).join(",")}`);
  }
  console.log(`block ${blockTokens}: ${trials.join(" | ")}`);
  await pool.dispose();
}
process.exit(0);
