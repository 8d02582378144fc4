// The model-free drafter against llama-server's own model-free methods, on the real target and
// the same completions: for each `--spec-type` (ngram-simple, ngram-mod, ngram-cache, ngram-map-k,
// defaults) a llama-server drafting beside the target (co-located, one slot, `--threads` 1), and
// ConfigSpec's n-gram drafter verifying against a plain llama-server by prefix-probe. Each sees
// the same prompt token ids (the engine's window of the file) and writes 64 tokens greedily.
// Accepted / drafted, accepted share of all tokens, drafting cost per token and decode speed.
// Writes bench/results/<date>-ngram/ngram-acceptance.{json,md}. Nothing else should run beside it.
//   node --import tsx scripts/probe/ngramAcceptance.ts [--prompts 8] [--k 4] [--corpus DIR]
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../../server/corpus/codeCorpus.js";
import { ngramDrafterUri } from "../../server/drafter/drafterSpec.js";
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import { SpeculativeEngine } from "../../server/engine/speculativeEngine.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { realFamily } from "../../test/helpers/realFamily.js";
import { startLlamaServer } from "../engines/engineProcess.js";

const { values } = parseArgs({ options: { prompts: { type: "string", default: "8" }, k: { type: "string", default: "4" }, corpus: { type: "string" }, out: { type: "string", default: "bench/results" }, tokens: { type: "string", default: "64" } } });
const PROMPTS = Number(values.prompts);
const K = Number(values.k);
const TOKENS = Number(values.tokens);
const SPEC_TYPES = ["ngram-simple", "ngram-mod", "ngram-cache", "ngram-map-k"];

const family = await realFamily();
const model = family.target.absolutePath;
const corpusDir = values.corpus ?? bundledCorpusDir();
const cuts = cutCompletionPrompts(await readCorpus(corpusDir), PROMPTS, 20261208);
const drafter = await loadDrafter({ id: "ngram", uriOrPath: ngramDrafterUri(model) });

interface Row { method: string; drafted: number; accepted: number; tokens: number; draftMsPerToken: number | null; decodeTokensPerSecond: number; texts: string[] }
const rows: Row[] = [];

/** llama-server's own timings of one /completion: drafted and accepted tokens, decode speed. */
interface Timings { predicted_n: number; predicted_ms: number; draft_n?: number; draft_n_accepted?: number }

async function coLocated(specType: string | undefined, prompts: readonly (readonly number[])[]): Promise<Row> {
  const extraArgs = specType ? ["--spec-type", specType] : [];
  const server = await startLlamaServer({ model, slots: 1, threads: 1, extraArgs });
  try {
    let drafted = 0, accepted = 0, tokens = 0, ms = 0;
    const texts: string[] = [];
    for (const prompt of prompts) {
      const response = await fetch(`${server.baseUrl}/completion`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, n_predict: TOKENS, temperature: 0, cache_prompt: false }) });
      const body = (await response.json()) as { content: string; timings: Timings };
      texts.push(body.content);
      drafted += body.timings.draft_n ?? 0;
      accepted += body.timings.draft_n_accepted ?? 0;
      tokens += body.timings.predicted_n;
      ms += body.timings.predicted_ms;
    }
    return { method: specType ? `llama-server --spec-type ${specType}` : "llama-server, no speculation", drafted, accepted, tokens, draftMsPerToken: null, decodeTokensPerSecond: (tokens * 1000) / ms, texts };
  } finally {
    await server.stop();
  }
}

const server = await startLlamaServer({ model, slots: K + 1, threads: 1 });
const client = new VerifierClient({ baseUrl: `${server.baseUrl}/v1`, model: server.model, timeoutMs: 300_000 });
const engine = await SpeculativeEngine.create({ k: K, drafter, verifier: client, protocol: "prefix-probe" });
// The engine's own prompt tokens for every method, so every row decodes from the same ids.
const prompts = cuts.map((cut) => engine.promptFor(cut.prefix, cut.suffix, TOKENS).tokens as number[]);
const ours: Row = { method: `ConfigSpec ngram K=${K}, prefix-probe on llama-server`, drafted: 0, accepted: 0, tokens: 0, draftMsPerToken: 0, decodeTokensPerSecond: 0, texts: [] };
let draftMs = 0, totalMs = 0;
for (const cut of cuts) {
  const output = await engine.complete({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: TOKENS, signal: new AbortController().signal, documentKey: cut.file });
  ours.drafted += output.stats.drafted;
  ours.accepted += output.stats.accepted;
  ours.tokens += output.stats.tokens;
  ours.texts.push(output.text);
  draftMs += output.stats.timings.draftMs;
  totalMs += output.stats.timings.totalMs;
}
ours.draftMsPerToken = ours.drafted > 0 ? draftMs / ours.drafted : null;
ours.decodeTokensPerSecond = (ours.tokens * 1000) / totalMs;
await engine.dispose();
client.dispose();
await server.stop();
await drafter.dispose();

rows.push(await coLocated(undefined, prompts));
for (const specType of SPEC_TYPES) rows.push(await coLocated(specType, prompts));
rows.push(ours);

const plain = rows[0]!;
const same = (row: Row) => row.texts.filter((text, i) => text === plain.texts[i]).length;
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(0)}%` : "–");
const date = new Date().toISOString().slice(0, 10);
const dir = join(values.out!, `${date}-ngram`);
await mkdir(dir, { recursive: true });
const md = [
  `# The model-free drafter beside llama-server's ngram methods (${date})`,
  "",
  `\`node --import tsx scripts/probe/ngramAcceptance.ts --prompts ${PROMPTS} --k ${K}\`: ${family.target.id} on llama-server, 1 thread; ${PROMPTS} completions of ${TOKENS} tokens at seeded positions of ${corpusDir === bundledCorpusDir() ? "the bundled corpus/" : corpusDir}, each method given the same prompt token ids (the engine's window of the file). Load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}.`,
  "",
  "| method | accepted / drafted | accepted share of all tokens | drafting ms/token | decode tok/s | text identical to plain decoding |",
  "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.method} | ${r.accepted} / ${r.drafted} (${pct(r.accepted, r.drafted)}) | ${pct(r.accepted, r.tokens)} of ${r.tokens} | ${r.draftMsPerToken === null ? "–" : r.draftMsPerToken.toFixed(4)} | ${r.decodeTokensPerSecond.toFixed(1)} | ${same(r)} of ${PROMPTS} |`),
  "",
  "ConfigSpec's row verifies by prefix-probe over K+1 slots (each new position prefills in every slot), so its decode speed includes those prefills; the co-located rows decode inside llama-server. Its text differs from plain decoding where the verifier's top two tokens nearly tie: llama.cpp's logits for this quantised model move with the batch a position is evaluated in (test/server/verifier/engines/realTargetLlamaServer.test.ts locates each such flip).",
  "",
].join("\n");
await writeFile(join(dir, "ngram-acceptance.md"), md);
await writeFile(join(dir, "ngram-acceptance.json"), JSON.stringify({ date, prompts: PROMPTS, k: K, tokens: TOKENS, rows }, null, 2));
process.stdout.write(md);
