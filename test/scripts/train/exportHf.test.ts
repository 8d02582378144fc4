// The Hugging Face export of the bundled target (scripts/train/export_hf.py, the same function the
// training run calls): HF `tokenizers` gives node-llama-cpp's ids on every corpus language and on
// FIM prompts, and a transformers-free forward of HF's Llama (rotate_half RoPE) on the exported
// safetensors continues prompts with node-llama-cpp's greedy tokens on the GGUF.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { after, before, test } from "node:test";
import type { LlamaModel, Token } from "node-llama-cpp";
import { loadModel } from "../../../server/modelFiles/modelLoader.js";
import { trainEnv, trainPython } from "../../../scripts/train/python.mjs";
import { bundledFamily } from "../../helpers/bundledFamily.js";

interface Request {
  text: string;
  special: boolean;
  tokens?: number;
}

let python = "";
let gguf = "";
let hfDir = "";
const scratch = mkdtempSync(join(tmpdir(), "configspec-hf-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function runPython(args: string[], input?: string): string {
  const run = spawnSync(python, args, { input, encoding: "utf8", env: trainEnv(), maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

function corpusFiles(dir = "corpus"): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? corpusFiles(path) : name === "README.md" ? [] : [path];
    });
}

const FIM_PROMPTS = [
  "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>",
  "<|fim_prefix|>export function retry(fn) {\n  for (let i = 0; i < 3; i++) {\n    <|fim_suffix|>\n  }\n}\n<|fim_middle|>",
  "<|fim_prefix|>fn main() {\n    let v: Vec<u8> = Vec::new();\n    <|fim_suffix|>}\n<|fim_middle|>println!(\"{}\", v.len());<|endoftext|>",
];

before(async () => {
  python = trainPython();
  gguf = (await bundledFamily()).target.absolutePath;
  hfDir = join(scratch, "target");
  runPython(["scripts/train/export_hf.py", "--gguf", gguf, "--out", hfDir]);
});

test("the export writes a LlamaForCausalLM folder with the GGUF's shape and control tokens", () => {
  for (const file of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"]) {
    assert.ok(existsSync(join(hfDir, file)), file);
  }
  const config = JSON.parse(readFileSync(join(hfDir, "config.json"), "utf8"));
  assert.deepEqual(config.architectures, ["LlamaForCausalLM"]);
  assert.equal(config.model_type, "llama");
  const tokenizerConfig = JSON.parse(readFileSync(join(hfDir, "tokenizer_config.json"), "utf8"));
  assert.equal(tokenizerConfig.eos_token, "<|endoftext|>");
  assert.deepEqual(tokenizerConfig.fim_tokens, { fim_prefix: "<|fim_prefix|>", fim_suffix: "<|fim_suffix|>", fim_middle: "<|fim_middle|>" });
});

test("HF tokenizers gives node-llama-cpp's ids on every corpus language and on FIM prompts", async () => {
  const files = corpusFiles();
  assert.ok(new Set(files.map((f) => relative("corpus", f).split("/")[0])).size >= 6, "corpus/ has every language");
  const requests: Request[] = [
    ...files.map((f) => ({ text: readFileSync(f, "utf8"), special: false })),
    ...FIM_PROMPTS.map((text) => ({ text, special: true })),
  ];
  const hfIds = JSON.parse(runPython(["scripts/train/hf_check.py", "encode", hfDir], JSON.stringify(requests))) as number[][];
  const model = await loadModel(gguf);
  try {
    requests.forEach((r, i) => {
      const name = i < files.length ? files[i] : `FIM prompt ${i - files.length}`;
      const ids = [...model.tokenize(r.text, r.special)].map(Number);
      assert.ok(ids.length > (r.special ? 5 : 100), `${name}: ${ids.length} tokens`);
      assert.deepEqual(hfIds[i], ids, `${name}: HF tokenizers and node-llama-cpp differ`);
    });
  } finally {
    await model.dispose();
  }
});

async function greedy(model: LlamaModel, prompt: Token[], count: number): Promise<number[]> {
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const sequence = context.getSequence();
    let result = await sequence.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: { token: true } }] : t)));
    let next = result[prompt.length - 1]?.next.token;
    const out: number[] = [];
    while (next != null && out.length < count) {
      out.push(Number(next));
      result = await sequence.controlledEvaluate([[next, { generateNext: { token: true } }]]);
      next = result[0]?.next.token;
    }
    return out;
  } finally {
    await context.dispose();
  }
}

test("a transformers-free HF Llama forward on model.safetensors continues prompts with node-llama-cpp's greedy tokens", async () => {
  const requests: Request[] = [
    { text: "def fibonacci(n):\n    if n < 2:\n        return n\n    return", special: false, tokens: 12 },
    { text: "import { readFile } from \"node:fs/promises\";\n\nexport async function load(path: string) {\n  const text = await", special: false, tokens: 12 },
    { text: "func (p *Pool) Close() error {\n\tp.mu.Lock()\n\tdefer", special: false, tokens: 12 },
    { text: FIM_PROMPTS[1]!, special: true, tokens: 12 },
  ];
  const hf = JSON.parse(runPython(["scripts/train/hf_check.py", "greedy", hfDir], JSON.stringify(requests))) as { prompt: number[]; tokens: number[]; margins: number[] }[];
  const model = await loadModel(gguf);
  try {
    for (const [i, r] of requests.entries()) {
      const prompt = model.tokenize(r.text, r.special);
      assert.deepEqual(hf[i]!.prompt, [...prompt].map(Number), `prompt ${i} tokenizes alike`);
      const expected = await greedy(model, prompt, r.tokens!);
      const differ = expected.findIndex((t, k) => t !== hf[i]!.tokens[k]);
      assert.deepEqual(hf[i]!.tokens, expected, `prompt ${i}: first difference at ${differ} (HF top-2 logit margin there ${hf[i]!.margins[differ]})`);
    }
  } finally {
    await model.dispose();
  }
});
