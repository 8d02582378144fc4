// Probe: generate target + variants, measure greedy agreement and speed.
import { buildCodeVocabulary } from "../../server/modelFiles/codeVocabulary.js";
import { randomLlamaWeights, truncateLayers, perturbWeights } from "../../server/modelFiles/llamaWeights.js";
import { writeLlamaGguf } from "../../server/modelFiles/llamaGguf.js";
import { getSharedLlama } from "../../server/llama/sharedLlama.js";
import { mkdirSync } from "node:fs";

const dir = "/tmp/probe-models"; mkdirSync(dir, { recursive: true });
const vocab = buildCodeVocabulary();
console.log("vocab", vocab.entries.length);
const E = Number(process.env.E ?? 256), L = Number(process.env.L ?? 8), RS = Number(process.env.RS ?? 0.1);
const arch = { vocabularySize: vocab.entries.length, embedding: E, layers: L, heads: 4, kvHeads: 4, feedForward: E * 3, contextLength: 4096 };
let t = Date.now();
const target = randomLlamaWeights(arch, {seed: 1234, residualScale: RS, silencedTokens: vocab.entries.flatMap((e, i) => e.type === 1 ? [] : [i])});
console.log("gen ms", Date.now() - t);
const variants: [string, any, any][] = [
  ["target", target, "F32"],
  ["q8", target, "Q8_0"],
  ["f16-4L", truncateLayers(target, L / 2), "F16"],
  ["q8-2L-n15", perturbWeights(truncateLayers(target, 2), 0.15, 7), "Q8_0"],
  ["q8-2L-n20", perturbWeights(truncateLayers(target, 2), 0.2, 7), "Q8_0"],
  ["n0.4-1L", perturbWeights(truncateLayers(target, 1), 0.4, 7), "Q8_0"],
];
t = Date.now();
for (const [name, w, q] of variants) await writeLlamaGguf(`${dir}/${name}.gguf`, w, { name, quantization: q, vocabulary: vocab, derivation: name });
console.log("write ms", Date.now() - t);
const llama = await getSharedLlama();
const prompts = ["function add(a, b) {\n  return", "def main():\n    print(", "import os\nimport sys\n", "const x = [1, 2, 3].map((v) =>", "class Foo:\n    def __init__(self", "for (let i = 0; i < n; i++) {", "fn main() {\n    let mut", "package main\n\nfunc "];
async function greedy(path: string) {
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createContext({ contextSize: 512, threads: 1, batchSize: 512 });
  const outs: number[][] = []; let tokTime = 0, n = 0; const seq0 = ctx.getSequence();
  for (const p of prompts) {
    await seq0.clearHistory(); const seq = seq0;
    const toks = model.tokenize(p);
    const out: number[] = [];
    let r = await seq.controlledEvaluate([...toks.slice(0, -1), [toks.at(-1)!, { generateNext: { token: true } }]]);
    let next = r.at(-1)!.next!.token!;
    for (let i = 0; i < 40; i++) {
      out.push(next);
      const s = performance.now();
      r = await seq.controlledEvaluate([[next, { generateNext: { token: true } }]]);
      tokTime += performance.now() - s; n++;
      next = r[0]!.next!.token!;
    }
    outs.push(out); 
  }
  await ctx.dispose(); await model.dispose();
  return { outs, msPerTok: tokTime / n };
}
const ref = await greedy(`${dir}/target.gguf`);
console.log("target", ref.msPerTok.toFixed(2), "ms/tok", JSON.stringify(vocab.entries && (await (async () => { const m = await llama.loadModel({ modelPath: `${dir}/target.gguf` }); const s = m.detokenize(ref.outs[0] as any); await m.dispose(); return s; })())));
for (const [name] of variants.slice(1)) {
  // acceptance-like: per-position teacher-forced agreement on target's continuation
  const model = await llama.loadModel({ modelPath: `${dir}/${name}.gguf` });
  const ctx = await model.createContext({ contextSize: 512, threads: 1 });
  let agree = 0, total = 0; const seq0 = ctx.getSequence();
  for (let pi = 0; pi < prompts.length; pi++) {
    await seq0.clearHistory(); const seq = seq0;
    const toks = [...model.tokenize(prompts[pi]!), ...ref.outs[pi]!];
    const plen = toks.length - ref.outs[pi]!.length;
    const items: any[] = toks.map((tk, i) => i >= plen - 1 && i < toks.length - 1 ? [tk, { generateNext: { token: true } }] : tk);
    const r = await seq.controlledEvaluate(items);
    for (let i = plen - 1; i < toks.length - 1; i++) { total++; if (r[i]!.next!.token === toks[i + 1]) agree++; }
    
  }
  await ctx.dispose(); await model.dispose();
  const g = await greedy(`${dir}/${name}.gguf`);
  console.log(name, "agree", (agree / total).toFixed(3), "ms/tok", g.msPerTok.toFixed(2));
}
