// Edge drafting against co-located speculation, on real llama-servers: for each RTT, the time to
// the first line shown at a cursor position — verifier-only streaming (the plain cloud client),
// ConfigSpec's edge speculation (drafter here, llama-server verifying by prefix-probe), and
// co-located speculation (llama-server with the same drafter beside the target, -md, streamed
// to a plain client). Every request crosses a proxy that adds the RTT. One run, side by side.
// Writes bench/results/<date>-colocated.{json,md}. Nothing else should run beside it.
//   node --import tsx scripts/probe/colocatedWindow.ts [--rtt 0,25,50,100] [--prompts 10] [--k 4] [--drafters id,...]
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLlamaServer, type RunningEngine } from "../engines/engineProcess.js";
import { cutCompletionPrompts, bundledCorpusDir, readCorpus } from "../../server/corpus/codeCorpus.js";
import { cursorContextOf, stopRulePredicate } from "../../server/postprocess/stopRules.js";
import type { Drafter } from "../../server/drafter/drafter.js";
import { SpeculativeEngine } from "../../server/engine/speculativeEngine.js";
import { startLatencyProxy } from "../../server/bench/typing/latencyProxy.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { bundledFamily } from "../../test/helpers/bundledFamily.js";

const { values } = parseArgs({ options: { rtt: { type: "string", default: "0,25,50,100" }, prompts: { type: "string", default: "10" }, k: { type: "string", default: "4" }, drafters: { type: "string" }, out: { type: "string", default: "bench/results" } } });
const rtts = values.rtt!.split(",").map(Number);
const K = Number(values.k);
const family = await bundledFamily();
const shared = family.drafters.filter((d) => d.training?.tokenizer === family.target.training?.tokenizer && (!values.drafters || values.drafters.split(",").includes(d.id)));
const prompts = cutCompletionPrompts(await readCorpus(bundledCorpusDir()), Number(values.prompts), 20261206);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Time to the first line shown (the daemon's stop rules), ms, and the text, through `engine`. */
async function firstLine(engine: SpeculativeEngine, cut: (typeof prompts)[number]): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const output = await engine.complete({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens: 64, signal: new AbortController().signal, documentKey: cut.file, shouldStop: stopRulePredicate(cursorContextOf(cut.prefix, cut.suffix)) });
  return { ms: performance.now() - started, text: output.text.split("\n")[0] ?? "" };
}

interface Row { rttMs: number; drafterId: string; verifierOnlyMs: number; edgeMs: number; colocatedMs: number; sameText: number; prompts: number }
const rows: Row[] = [];
const plain = await startLlamaServer({ model: family.target.absolutePath, slots: K + 1 });
try {
  for (const entry of shared) {
    const drafter = await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath });
    const colocated: RunningEngine = await startLlamaServer({ model: family.target.absolutePath, slots: 1, draft: { model: entry.absolutePath, maxTokens: K } });
    try {
      for (const rttMs of rtts) {
        const plainProxy = await startLatencyProxy(plain.baseUrl, rttMs);
        const colocatedProxy = await startLatencyProxy(colocated.baseUrl, rttMs);
        const clients = [new VerifierClient({ baseUrl: plainProxy.baseUrl, model: plain.model, timeoutMs: 60_000 }), new VerifierClient({ baseUrl: colocatedProxy.baseUrl, model: colocated.model, timeoutMs: 60_000 })];
        const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter, verifier: clients[0]!, protocol: "auto" });
        const edge = await SpeculativeEngine.create({ k: K, drafter, verifier: clients[0]!, protocol: "auto" });
        const colocatedOnly = await SpeculativeEngine.create({ k: 0, drafter, verifier: clients[1]!, protocol: "auto" });
        const times = { verifierOnly: [] as number[], edge: [] as number[], colocated: [] as number[] };
        let sameText = 0;
        for (const cut of prompts) {
          // Each position once cold per path: interleaved, so load drifts hit all three alike.
          const a = await firstLine(verifierOnly, cut);
          const b = await firstLine(edge, cut);
          const c = await firstLine(colocatedOnly, cut);
          times.verifierOnly.push(a.ms);
          times.edge.push(b.ms);
          times.colocated.push(c.ms);
          if (a.text === b.text && b.text === c.text) sameText++;
        }
        const row = { rttMs, drafterId: entry.id, verifierOnlyMs: median(times.verifierOnly), edgeMs: median(times.edge), colocatedMs: median(times.colocated), sameText, prompts: prompts.length };
        rows.push(row);
        console.error(JSON.stringify(row));
        for (const engine of [verifierOnly, edge, colocatedOnly]) await engine.dispose();
        for (const client of clients) await client.dispose();
        await plainProxy.close();
        await colocatedProxy.close();
      }
    } finally {
      await colocated.stop();
      await drafter.dispose();
    }
  }
} finally {
  await plain.stop();
}

const stamp = new Date().toISOString().slice(0, 10);
await mkdir(values.out!, { recursive: true });
const md = [
  `# Edge speculation against co-located speculation (llama-server -md), K = ${K}, ${prompts.length} prompts, median ms to the first line`,
  "",
  `load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`,
  "",
  "| RTT ms | drafter | verifier-only (streaming) | edge (ConfigSpec) | co-located (-md) | edge ÷ co-located | same first line |",
  "|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.rttMs} | ${r.drafterId} | ${r.verifierOnlyMs.toFixed(0)} | ${r.edgeMs.toFixed(0)} | ${r.colocatedMs.toFixed(0)} | ${(r.edgeMs / r.colocatedMs).toFixed(2)} | ${r.sameText}/${r.prompts} |`),
  "",
].join("\n");
await writeFile(join(values.out!, `${stamp}-colocated.json`), JSON.stringify({ k: K, prompts: prompts.length, rows }, null, 2));
await writeFile(join(values.out!, `${stamp}-colocated.md`), md);
console.log(md);
