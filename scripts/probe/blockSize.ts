// What the embedded verifier's canonical block levels cost, on one slot at a 1,000-token context:
// a cold prefill of the prompt, the generation of 32 tokens after it, and prefix-probe verify
// rounds (K = 8; the draft is the greedy continuation with one token changed at a seeded place, or
// none, so 0..8 are accepted), for several sets of levels. 3 trials each; medians printed with the
// trials. The tokens (first generated ones, accepted counts) are the same for every set: the levels
// change the cost, not the output. Behind DEFAULT_VERIFIER_BLOCK_LEVELS in
// server/verifierServer/canonicalBlocks.ts; [4] is the single-level scheme it replaced.
//   node --import tsx scripts/probe/blockSize.ts [model.gguf] [threads]   (default: the bundled trained target, 1 thread)
import { readFileSync } from "node:fs";
import { getLlama, type Token } from "node-llama-cpp";
import { bundledFamilyDir } from "../../server/modelFiles/bundledFamily.js";
import { SeededRandom } from "../../server/util/seededRandom.js";
import { decodeGreedy, prefetchPredictions } from "../../server/verifierServer/greedyDecoding.js";
import type { VerifierSlot } from "../../server/verifierServer/verifierSlot.js";
import { VerifierSlotPool } from "../../server/verifierServer/verifierSlotPool.js";

const modelPath = process.argv[2] ?? `${bundledFamilyDir()}/target-4l-192-f32.gguf`;
const threads = Number(process.argv[3] ?? 1);
const TRIALS = 3;
const K = 8;
const ROUNDS = 24;
const LEVEL_SETS = [[4], [4, 64], [4, 64, 256], [4, 16, 64, 256]];
const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const prompt = model.tokenize(readFileSync("server/verifierServer/verifierSlot.ts", "utf8")).slice(0, 1000);
const isEndOfGeneration = () => false;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Verify rounds against the greedy continuation `truth`: ms per round and the accepted counts. */
async function rounds(slot: VerifierSlot, truth: readonly Token[]): Promise<[number, string]> {
  const random = new SeededRandom(7);
  const context = [...prompt];
  const accepted: number[] = [];
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const done = context.length - prompt.length;
    const changeAt = Math.floor(random.uniform() * (K + 1));
    const draft = truth.slice(done, done + K).map((token, i) => (i === changeAt ? (token + 1) % model.tokens.vocabularySize || 0 : token));
    const tokens = [...context, ...draft];
    await prefetchPredictions(slot, tokens, (position) => (position >= context.length - 1 ? "token" : "none"));
    let taken = 0;
    while (taken < K && slot.prediction(context.length - 1 + taken)?.token === draft[taken]) taken++;
    accepted.push(taken);
    context.push(...truth.slice(done, done + taken + 1));
  }
  return [(performance.now() - started) / ROUNDS, accepted.join("")];
}

console.log(`${modelPath}: ${prompt.length}-token prompt, 32 generated tokens, ${ROUNDS} rounds of K = ${K}, one slot, ${threads} thread(s), llama.cpp ${llama.gpu || "cpu"}`);
for (const blockLevels of LEVEL_SETS) {
  const pool = await VerifierSlotPool.create(model, { slots: 1, contextSize: 1400, blockLevels, threads });
  const [slot] = pool.slots;
  const prefills: number[] = [];
  const perToken: number[] = [];
  const perRound: number[] = [];
  let tokens = "";
  for (let trial = 0; trial < TRIALS; trial++) {
    await slot.reset();
    let started = performance.now();
    const first = await decodeGreedy(slot, { prompt, maxTokens: 1, isEndOfGeneration });
    prefills.push(performance.now() - started);
    started = performance.now();
    const generated = await decodeGreedy(slot, { prompt: [...prompt, ...first.output], maxTokens: 32, isEndOfGeneration });
    perToken.push((performance.now() - started) / 32);
    const truth = [...first.output, ...(await decodeGreedy(slot, { prompt: [...prompt, ...first.output], maxTokens: ROUNDS * (K + 1), isEndOfGeneration })).output];
    await slot.truncate(prompt.length);
    const [ms, accepted] = await rounds(slot, truth);
    perRound.push(ms);
    tokens = `first tokens ${[...first.output, ...generated.output.slice(0, 5)].join(",")}, accepted ${accepted}`;
  }
  const trials = (values: number[], digits: number) => `${median(values).toFixed(digits)} (${values.map((v) => v.toFixed(digits)).join(" / ")})`;
  console.log(`levels ${blockLevels.join(",")}: cold prefill ${trials(prefills, 0)} ms, generation ${trials(perToken, 1)} ms/token, round ${trials(perRound, 1)} ms; ${tokens}`);
  await pool.dispose();
}
process.exit(0);
