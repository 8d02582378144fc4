// Daemon overhead per completion: what the LSP round trip costs beyond the engine's own time
// (drafting, verifying, network), measured over ≥ 500 real completions against dist/server.js
// with the generated family and the embedded verifier; plus the daemon's RSS idle and loaded.
//
//   npm run build && node --import tsx scripts/daemon-overhead.ts [--requests 500] [--out bench/results]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../server/corpus/codeCorpus.js";
import { StatsRequest } from "../server/lspContract.js";
import { DaemonProcess } from "../test/helpers/daemonProcess.js";
import { modelFamilyFixture } from "../test/helpers/modelFamilyFixture.js";

const { values } = parseArgs({ options: { requests: { type: "string", default: "500" }, out: { type: "string", default: "bench/results" } } });
const requests = Number(values.requests);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function rssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before.at(-1)!.length };
}

const family = await modelFamilyFixture();
const [drafterA, drafterB] = [family.drafters[0], family.drafters[2]];
const daemon = await DaemonProcess.start({ entry: "dist", settings: { debounceMs: 0, maxTokens: 8 }, initializationOptions: { modelFamilyDir: family.dir } });
try {
  await new Promise((done) => setTimeout(done, 2_000));
  const idleMb = await rssMb(daemon.pid);

  await daemon.changeSettings({ ...daemon.settings, drafters: [drafterA.absolutePath] });
  await daemon.waitForStatus("drafter configured", (s) => s.active?.drafterId === drafterA.id);
  // Distinct cursor positions in real files, so no answer comes from the type-through cache.
  const files = await readCorpus(bundledCorpusDir());
  const cuts = cutCompletionPrompts(files, requests, 99);
  const opened = new Set<string>();
  const overheadMs: number[] = [];
  const roundTripMs: number[] = [];
  let engineRuns = 0;
  for (const [i, cut] of cuts.entries()) {
    const uri = `file:///bench/${cut.file.replace(/[^\w.]/g, "_")}`;
    if (!opened.has(uri)) {
      const text = files.find((f) => f.relativePath === cut.file)!.text;
      await daemon.open(uri, text, "typescript"); // any enabled language: it only gates completions
      opened.add(uri);
    }
    const text = cut.prefix + cut.suffix;
    const before = (await daemon.connection.sendRequest(StatsRequest.type, undefined)).counters.engineRuns;
    const started = performance.now();
    await daemon.inlineCompletion(uri, positionOf(text, cut.prefix.length), undefined, 1);
    const elapsed = performance.now() - started;
    const stats = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    if (stats.counters.engineRuns === before || !stats.last) continue; // cache hit or nothing ran
    engineRuns++;
    roundTripMs.push(elapsed);
    overheadMs.push(elapsed - stats.last.latencyMs);
    if ((i + 1) % 100 === 0) process.stderr.write(`${i + 1}/${requests}\n`);
  }
  const loadedOneMb = await rssMb(daemon.pid);
  await daemon.changeSettings({ ...daemon.settings, drafters: [drafterA.absolutePath, drafterB.absolutePath] });
  await daemon.waitForLog(/settings changed/);
  const uri = [...opened][0];
  await daemon.inlineCompletion(uri, { line: 3, character: 0 }, undefined, 1);
  const loadedTwoMb = await rssMb(daemon.pid);

  overheadMs.sort((a, b) => a - b);
  roundTripMs.sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    requests,
    measured: engineRuns,
    overheadMs: { p50: percentile(overheadMs, 50), p90: percentile(overheadMs, 90), p99: percentile(overheadMs, 99), max: overheadMs.at(-1) },
    roundTripMs: { p50: percentile(roundTripMs, 50), p99: percentile(roundTripMs, 99) },
    rssMb: { idle: idleMb, oneDrafterAndEmbeddedVerifier: loadedOneMb, twoDraftersConfigured: loadedTwoMb },
  };
  const outDir = resolve(values.out!);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `daemon-overhead-${result.date.slice(0, 10)}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + "\n");
  const f = (n: number | undefined) => (n ?? NaN).toFixed(2);
  process.stdout.write(
    [
      `daemon overhead over ${engineRuns} engine-served completions (LSP round trip − engine time):`,
      `  p50 ${f(result.overheadMs.p50)} ms, p90 ${f(result.overheadMs.p90)} ms, p99 ${f(result.overheadMs.p99)} ms, max ${f(result.overheadMs.max)} ms (targets p50 ≤ 2, p99 ≤ 10)`,
      `  round trip p50 ${f(result.roundTripMs.p50)} ms, p99 ${f(result.roundTripMs.p99)} ms`,
      `RSS: idle ${idleMb.toFixed(0)} MB (target ≤ 100), one drafter + embedded verifier ${loadedOneMb.toFixed(0)} MB, two drafters configured ${loadedTwoMb.toFixed(0)} MB`,
      `written to ${file}`,
    ].join("\n") + "\n",
  );
} finally {
  await daemon.stop();
}
