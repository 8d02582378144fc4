#!/usr/bin/env node
// Soak: synthetic typing against the shipped daemon for a long time, sampling the daemon's RSS
// and the completion latency every minute, to see leaks and slow drift that short tests cannot.
// Not run in CI (it takes 30 minutes and both cores).
//
//   npm run build && node scripts/soak.mjs [--minutes 30] [--sample-seconds 60] [--out bench/soak]
//
// The daemon is dist/server.js with the real engine: the generated model family (from
// .cache/test-models-v*, or generated into a temporary folder), its best drafter, and the embedded
// verifier. The typist types the bundled corpus at ~8 keys/s in bursts with pauses, as VS Code
// does: an incremental didChange and an automatic inline completion request per key, the previous
// request cancelled; at pauses it sometimes accepts the suggestion (types it through).
// Writes <out>/soak-<timestamp>.json and .md (the per-minute curve) and prints the Markdown.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    "sample-seconds": { type: "string", default: "60" },
    out: { type: "string", default: "bench/soak" },
    "keys-per-second": { type: "string", default: "8" },
    seed: { type: "string", default: "42" },
  },
});
const MINUTES = Number(flags.minutes);
const SAMPLE_MS = Number(flags["sample-seconds"]) * 1000;
const KEY_INTERVAL_MS = 1000 / Number(flags["keys-per-second"]);
if (!(MINUTES > 0) || !(SAMPLE_MS > 0) || !(KEY_INTERVAL_MS > 0)) throw new Error("--minutes, --sample-seconds and --keys-per-second must be positive numbers");
if (!existsSync("dist/server.js")) throw new Error("dist/server.js is missing: run `npm run build` first");

/** mulberry32: the same seed types the same session. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? NaN) / 1024;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function modelFamily() {
  const cached = existsSync(".cache") ? readdirSync(".cache").filter((d) => /^test-models-v\d+$/.test(d)).sort().at(-1) : undefined;
  if (cached && existsSync(join(".cache", cached, "manifest.json"))) return { dir: resolve(".cache", cached), temporary: false };
  const dir = await mkdtemp(join(tmpdir(), "configspec-soak-models-"));
  console.error(`generating the model family into ${dir}…`);
  await new Promise((done, fail) => spawn(process.execPath, ["dist/cli.js", "models", "--out", dir], { stdio: ["ignore", "ignore", "inherit"] }).on("exit", (code) => (code === 0 ? done() : fail(new Error(`models exited ${code}`)))));
  return { dir, temporary: true };
}

const family = await modelFamily();
const manifest = JSON.parse(readFileSync(join(family.dir, "manifest.json"), "utf8"));
const drafter = manifest.models.find((m) => m.id === "draft-8l-q8_0") ?? manifest.models.find((m) => m.role === "drafter");
const storagePath = await mkdtemp(join(tmpdir(), "configspec-soak-storage-"));
const settings = { debounceMs: 75, maxTokens: 32, drafters: [join(family.dir, drafter.path)] };

const child = spawn(process.execPath, [resolve("dist/server.js"), "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
let stderr = "";
child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
let exited = false;
child.on("exit", (code, signal) => {
  exited = true;
  console.error(`daemon exited (${code ?? signal})\n${stderr}`);
});
const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
connection.onRequest("workspace/configuration", (params) => params.items.map((item) => (item.section === "configspec" ? settings : null)));
connection.onRequest("client/registerCapability", () => null);
connection.onRequest("window/workDoneProgress/create", () => null);
const errors = [];
connection.onNotification("window/logMessage", ({ type, message }) => {
  if (type === 1) errors.push(message);
});
let active = null;
connection.onNotification("configspec/serverStatus", (status) => (active = status.active));
connection.listen();
await connection.sendRequest("initialize", {
  processId: process.pid,
  rootUri: null,
  capabilities: { workspace: { configuration: true }, textDocument: { inlineCompletion: {} }, window: { workDoneProgress: true } },
  initializationOptions: { storagePath, modelFamilyDir: family.dir },
});
await connection.sendNotification("initialized", {});
for (let i = 0; i < 200 && active?.drafterId !== drafter.id; i++) await delay(50);

const corpus = ["typescript", "python", "go", "rust", "java", "c"].flatMap((language) => {
  const dir = join("corpus", language);
  return existsSync(dir) ? readdirSync(dir).map((file) => ({ language, text: readFileSync(join(dir, file), "utf8") })) : [];
});
if (corpus.length === 0) throw new Error("no corpus files under corpus/");
const random = seededRandom(Number(flags.seed));

/** One open document being typed: the source it copies, how far it got, its version. */
let documentIndex = 0;
function openDocument() {
  const source = corpus[documentIndex % corpus.length];
  const uri = `file:///soak-${documentIndex++}.${source.language === "typescript" ? "ts" : source.language}`;
  const start = Math.floor(source.text.length * 0.1);
  const document = { uri, source: source.text, text: source.text.slice(0, start), version: 1, pending: undefined };
  void connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: source.language, version: 1, text: document.text } });
  return document;
}

function endOf(text) {
  const lines = text.split("\n");
  return { line: lines.length - 1, character: lines.at(-1).length };
}

function type(document, typed) {
  const at = endOf(document.text);
  document.text += typed;
  document.version += 1;
  void connection.sendNotification("textDocument/didChange", {
    textDocument: { uri: document.uri, version: document.version },
    contentChanges: [{ range: { start: at, end: at }, text: typed }],
  });
}

/** In this sampling window: latencies of requests that got a suggestion, and outcome counts. */
let window = { served: [], empty: 0, cancelled: 0, failed: 0 };
function request(document) {
  document.pending?.cancel();
  const source = new CancellationTokenSource();
  document.pending = source;
  const sent = performance.now();
  return connection.sendRequest("textDocument/inlineCompletion", { textDocument: { uri: document.uri }, position: endOf(document.text), context: { triggerKind: 2 } }, source.token).then(
    (result) => {
      const text = result?.items?.[0]?.insertText;
      if (text) window.served.push(performance.now() - sent);
      else if (source.token.isCancellationRequested) window.cancelled++;
      else window.empty++;
      return text;
    },
    () => {
      if (source.token.isCancellationRequested) window.cancelled++;
      else window.failed++;
      return undefined;
    },
  );
}

const samples = [];
const started = performance.now();
let previousTotals = { completions: 0, latencyMs: 0 };
let lastSampledAt = -Infinity;
const sample = async () => {
  const stats = await connection.sendRequest("configspec/stats", null);
  const served = [...window.served].sort((a, b) => a - b);
  // Engine time per completion it produced in this window (cache hits excluded), from the daemon's own books.
  const engineCompletions = stats.totals.completions - previousTotals.completions;
  const engineMeanMs = engineCompletions > 0 ? Math.round((stats.totals.latencyMs - previousTotals.latencyMs) / engineCompletions) : null;
  previousTotals = stats.totals;
  lastSampledAt = performance.now();
  samples.push({
    minute: Math.round((performance.now() - started) / 600) / 100,
    rssMb: Math.round((await rssMb(child.pid)) * 10) / 10,
    served: served.length,
    empty: window.empty,
    cancelled: window.cancelled,
    failed: window.failed,
    p50Ms: served.length ? Math.round(percentile(served, 50)) : null,
    p90Ms: served.length ? Math.round(percentile(served, 90)) : null,
    p99Ms: served.length ? Math.round(percentile(served, 99)) : null,
    engineCompletions,
    engineMeanMs,
    engineRuns: stats.counters.engineRuns,
    requests: stats.counters.requests,
    cacheHits: stats.counters.cacheHits,
    errors: stats.counters.errors,
  });
  console.error(`[soak] ${JSON.stringify(samples.at(-1))}`);
  window = { served: [], empty: 0, cancelled: 0, failed: 0 };
};

await sample(); // minute 0: the daemon before any typing
let nextSample = started + SAMPLE_MS;
let document = openDocument();
const deadline = started + MINUTES * 60_000;
while (performance.now() < deadline && !exited) {
  // A burst: a line or so, one key at a time.
  const burst = 5 + Math.floor(random() * 40);
  let last;
  for (let i = 0; i < burst && !exited; i++) {
    if (document.text.length >= document.source.length) document = openDocument();
    type(document, document.source[document.text.length]);
    last = request(document);
    await delay(KEY_INTERVAL_MS * (0.5 + random()));
  }
  // A pause: wait for the suggestion; accept it (type it through) one time in three.
  const suggestion = await Promise.race([last, delay(5_000)]);
  if (typeof suggestion === "string" && random() < 1 / 3) {
    for (const key of suggestion.slice(0, 60)) {
      type(document, key);
      last = request(document);
      await delay(KEY_INTERVAL_MS / 2);
    }
  }
  await delay(300 + random() * 1500);
  if (random() < 0.02) document = openDocument(); // switch files now and then
  if (performance.now() >= nextSample) {
    await sample();
    nextSample += SAMPLE_MS;
  }
}
if (performance.now() - lastSampledAt > 1_000) await sample();

const first = samples[1] ?? samples[0];
const lastSample = samples.at(-1);
const result = {
  startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
  minutes: MINUTES,
  drafter: drafter.id,
  settings: { debounceMs: settings.debounceMs, maxTokens: settings.maxTokens, keysPerSecond: Number(flags["keys-per-second"]) },
  daemonAlive: !exited,
  errorLogLines: errors.length,
  rssGrowthAfterFirstMinuteMb: Math.round((lastSample.rssMb - first.rssMb) * 10) / 10,
  samples,
};
const table = [
  "| minute | RSS MB | served | empty | cancelled | failed | p50 ms | p90 ms | p99 ms | engine completions | engine mean ms | requests (total) | errors (total) |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...samples.map((s) => `| ${s.minute} | ${s.rssMb} | ${s.served} | ${s.empty} | ${s.cancelled} | ${s.failed} | ${s.p50Ms ?? "–"} | ${s.p90Ms ?? "–"} | ${s.p99Ms ?? "–"} | ${s.engineCompletions} | ${s.engineMeanMs ?? "–"} | ${s.requests} | ${s.errors} |`),
];
const markdown = [
  `# Soak: ${MINUTES} min of synthetic typing (${result.startedAt})`,
  "",
  `dist/server.js, real engine, drafter ${drafter.id}, embedded verifier; debounce ${settings.debounceMs} ms, maxTokens ${settings.maxTokens}, ~${flags["keys-per-second"]} keys/s in bursts.`,
  `Daemon alive at the end: ${result.daemonAlive}. Error log lines: ${errors.length}. RSS growth after the first minute: ${result.rssGrowthAfterFirstMinuteMb} MB.`,
  "p50/p90/p99: per sampling window, of requests that got a suggestion (request sent → answer, debounce included; type-through cache hits are most of them). Engine mean: the daemon's own time per completion the engine produced in the window.",
  "",
  ...table,
  "",
].join("\n");
await mkdir(flags.out, { recursive: true });
const stamp = result.startedAt.replace(/[:.]/g, "-");
await writeFile(join(flags.out, `soak-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
await writeFile(join(flags.out, `soak-${stamp}.md`), markdown);
console.log(markdown);

try {
  await Promise.race([connection.sendRequest("shutdown"), delay(5_000)]);
  await connection.sendNotification("exit");
} catch {
  // already gone
}
await delay(500);
if (!exited) child.kill("SIGKILL");
connection.dispose();
await rm(storagePath, { recursive: true, force: true });
if (family.temporary) await rm(family.dir, { recursive: true, force: true });
process.exit(result.daemonAlive ? 0 : 1);
