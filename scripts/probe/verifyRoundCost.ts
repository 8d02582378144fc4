// Probe (issue 14): verify ms per round on the embedded verifier, per protocol, K = 8, for a
// ~1,000-token context at a new cursor position (cold: nothing of it cached) and at a cached
// one (the previous round sent the same context with another draft). One run, side by side.
// predicted-outputs is one chat call per round here (K+1 tokens, the K drafts as its prediction),
// as its loop sends it with the budget cut to one round.
//   node --import tsx scripts/probe/verifyRoundCost.ts [--trials 5] [--context 1000] [--k 8] [--models DIR|generated]
//        [--protocols echo-logprobs,prefix-probe,sglang,predicted-outputs]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Token } from "node-llama-cpp";
import { loadModel } from "../../server/modelFiles/modelLoader.js";
import { predictionBody } from "../../server/verifier/protocols/predictedOutputsProtocol.js";
import { startVerifierServer } from "../../server/verifierServer/startVerifierServer.js";
import { bundledCorpusDir } from "../../server/corpus/codeCorpus.js";
import { familyFromModelsFlag } from "../../test/helpers/bundledFamily.js";

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const TRIALS = argument("trials", 5);
const CONTEXT = argument("context", 1000);
const K = argument("k", 8);

const modelsFlag = process.argv.includes("--models") ? process.argv[process.argv.indexOf("--models") + 1] : undefined;
/** The verifier's model: the bundled trained target by default, `--models generated` for the test fixture's. */
const { target } = await familyFromModelsFlag(modelsFlag);
// Tokenized here, not by the server, so no request warms its cache before the timed ones.
const tokenizer = await loadModel(target.absolutePath);
const files = readdirSync(bundledCorpusDir(), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith(".md"));
const corpus = tokenizer.tokenize(files.map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8")).join("\n"), true);
if (corpus.length < CONTEXT + 64) throw new Error(`the corpus has ${corpus.length} tokens, fewer than a ${CONTEXT}-token context needs`);

const server = await startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 2048 });

/** A context no earlier request shared a prefix with: rotated through the corpus. */
let rotation = 0;
function freshContext(): number[] {
  rotation += 97;
  const start = rotation % (corpus.length - CONTEXT);
  return [...corpus.slice(start, start + CONTEXT), 17 + (rotation % 500)] as number[];
}
const draft = (seed: number) => Array.from({ length: K }, (_, i) => 100 + ((seed * 131 + i * 37) % 600));

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  await response.json();
}

const protocols: Record<string, (context: number[], d: number[]) => Promise<void>> = {
  "echo-logprobs": (context, d) => post("/v1/completions", { prompt: [...context, ...d], max_tokens: 1, echo: true, logprobs: 1, return_tokens_as_token_ids: true }),
  "prefix-probe": (context, d) => post("/v1/completions", { prompt: Array.from({ length: d.length + 1 }, (_, j) => [...context, ...d.slice(0, j)]), max_tokens: 1, temperature: 0 }),
  "predicted-outputs": (context, d) => post("/v1/chat/completions", predictionBody(target.id, tokenizer.detokenize(context as Token[]), tokenizer.detokenize(d as Token[]), d.length + 1)),
  sglang: (context, d) =>
    post("/generate", { input_ids: [...context, ...d], sampling_params: { max_new_tokens: 1, temperature: 0 }, return_logprob: true, logprob_start_len: context.length - 1, top_logprobs_num: 1 }),
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const { execSync } = await import("node:child_process");
console.log(`uptime: ${execSync("uptime").toString().trim()}`);
console.log(`${target.id}: context ${CONTEXT + 1} tokens, K = ${K}, ${TRIALS} trials each, medians (min–max), embedded verifier, 1 slot, no emulated step`);
console.log("protocol        cold (new cursor position)   cached (same context, new draft)");
const only = process.argv.includes("--protocols") ? process.argv[process.argv.indexOf("--protocols") + 1].split(",") : Object.keys(protocols);
for (const [name, round] of Object.entries(protocols).filter(([name]) => only.includes(name))) {
  const cold: number[] = [];
  const cached: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const context = freshContext();
    cold.push(await timed(() => round(context, draft(trial))));
    cached.push(await timed(() => round(context, draft(trial + 100))));
  }
  const show = (values: number[]) => `${median(values).toFixed(1).padStart(7)} ms (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  console.log(`${name.padEnd(16)}${show(cold).padEnd(29)}${show(cached)}`);
}
console.log(`uptime: ${execSync("uptime").toString().trim()}`);
await server.close();
await tokenizer.dispose();
