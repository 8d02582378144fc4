// The typing benchmark: real source files typed into the shipped daemon (dist/server.js) over
// LSP as VS Code drives it, with seeded human timing, under RTT × verifier speed, for
// verifier-only streamed (the baseline: shown at its first line, as a plain cloud client shows
// it), the profile's pick per objective, a fixed default (K=4, no profile), drafter-only and —
// against llama-server — co-located speculation (a llama-server with the drafter beside the
// target, -md, the daemon streaming from it with no drafter of its own), side by side in one run,
// caches warmed while typing as configspec.warmup says (--warmup auto|on|off, default auto).
// Writes bench/results/typing-<date>.{json,md} (typing-llama-server-<date> against llama-server).
//
// The co-located row drafts with the latency pick's drafter (it must share the target's
// tokenizer), else the default row's, K = 4; it comes after `pick` in --configs so the pick is
// known. --configs names: verifier-only, pick, default, drafter-only, co-located (or colocated).
//
// The verifier (--engine): `embedded` (default; `configspec verifier`, with --step-ms to emulate a
// slower cloud model) or `llama-server` (the cached build of scripts/engines, serving the target
// with slots = max K + 1; as it is, so --step-ms does not apply). Every row gets a fresh one.
//
//   npm run bench:typing                       # full: RTT 0/25/100 ms × verifier as-is / +25 ms per step
//   npm run bench:typing -- --engine llama-server   # full against llama-server: RTT 0/25/100 ms, co-located row
//   npm run bench:typing -- --smoke --out DIR  # CI: one condition, one short region, no profile
//   npm run bench:typing -- --corpus ~/project --chars 300 --files 4 --rtt 25 --step-ms 25 [--models DIR|generated]
// Models: the bundled trained family by default; `--models generated` is the seeded random test fixture.
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import { startLlamaServer, type RunningEngine } from "./engines/engineProcess.js";
import { typeRegion } from "../server/bench/typing/lspTypist.js";
import { startLatencyProxy, type LatencyProxy } from "../server/bench/typing/latencyProxy.js";
import { firstLinePredictionOfRow } from "../server/bench/typing/firstLinePredictionCheck.js";
import { losslessCheckOf, typingMetricsOf, type Sitting } from "../server/bench/typing/typingMetrics.js";
import { typingReportOf } from "../server/bench/typing/typingReport.js";
import { TypingResultSchema, type TypingCondition, type TypingResult, type TypingRow } from "../server/bench/typing/typingSchema.js";
import { isPause, typingRegionOf, typingScriptOf, type TypingRegion } from "../server/bench/typing/typingScript.js";
import { startVerifierProcess, type VerifierProcess } from "../server/cli/verifierProcess.js";
import { WarmupSettingSchema } from "../server/config/daemonSettings.js";
import { bundledCorpusDir, readCorpus } from "../server/corpus/codeCorpus.js";
import { GetProfileRequest, StatsRequest } from "../server/lspContract.js";
import { DaemonProcess } from "../test/helpers/daemonProcess.js";
import { familyFromModelsFlag } from "../test/helpers/bundledFamily.js";

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    engine: { type: "string", default: "embedded" },
    corpus: { type: "string" },
    models: { type: "string" },
    out: { type: "string", default: "bench/results" },
    chars: { type: "string" },
    files: { type: "string" },
    rtt: { type: "string" },
    "step-ms": { type: "string" },
    seed: { type: "string", default: "15" },
    "max-tokens": { type: "string", default: "64" },
    "debounce-ms": { type: "string" },
    warmup: { type: "string", default: "auto" },
    configs: { type: "string" },
    "profile-prompts": { type: "string", default: "3" },
    "profile-rounds": { type: "string", default: "4" },
  },
});
const smoke = values.smoke ?? false;
const ENGINES = ["embedded", "llama-server"] as const;
type EngineName = (typeof ENGINES)[number];
const usage = (message: string): never => {
  process.stderr.write(`bench:typing: ${message}\n`);
  process.exit(2);
};
const engine = values.engine as EngineName;
if (!ENGINES.includes(engine)) usage(`--engine ${values.engine}: expected ${ENGINES.join(" or ")}`);
if (engine !== "embedded" && values["step-ms"] !== undefined) {
  usage(`--step-ms emulates a slower model inside the embedded verifier; ${engine} runs as it is (drop --step-ms, or use --engine embedded)`);
}
const list = (text: string | undefined, fallback: number[]) => (text === undefined ? fallback : text.split(",").map(Number));
const rtts = list(values.rtt, smoke ? [25] : [0, 25, 100]);
const steps = engine === "embedded" ? list(values["step-ms"], smoke ? [25] : [0, 25]) : [0];
const chars = Number(values.chars ?? (smoke ? 24 : 80));
const fileCount = Number(values.files ?? (smoke ? 1 : 2));
const seed = Number(values.seed);
const maxTokens = Number(values["max-tokens"]);
const debounceMs = values["debounce-ms"] === undefined ? undefined : Number(values["debounce-ms"]);
const warmup = WarmupSettingSchema.parse(values.warmup);
const defaultConfigs = [...(smoke ? ["verifier-only", "default", "drafter-only"] : ["verifier-only", "pick", "default", "drafter-only"]), ...(engine === "llama-server" ? ["co-located"] : [])];
// `colocated` (the row's configuration kind in the results) names the co-located row too.
const configKinds = values.configs?.split(",").map((kind) => (kind === "colocated" ? "co-located" : kind)) ?? defaultConfigs;
if (configKinds.includes("co-located") && engine !== "llama-server") usage("the co-located row is llama-server with the drafter beside the target: it needs --engine llama-server");
/**
 * The fixed default: the drafter a llama.vscode-style setup starts with — the generated
 * fixture's 4-layer F16, else the smallest drafter sharing the target's tokenizer — at the
 * daemon's K before any profile (4).
 */
const DEFAULT_DRAFTER_ID = "draft-4l-f16";
/** Co-located speculation drafts this many tokens per step (llama-server --spec-draft-n-max), as the default's K. */
const COLOCATED_DRAFT_MAX = 4;
/** llama-server slots: a prefix-probe round sends max K + 1 prompts at once. */
const LLAMA_SERVER_SLOTS = 8 + 1;
/** Nothing listens here: the drafter-only row's verifier, so the daemon serves the drafter alone. */
const DEAD_VERIFIER_URL = "http://127.0.0.1:9/v1";
const cliPath = resolve("dist/cli.js");

const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const log = (line: string) => process.stderr.write(`${line}\n`);

const family = await familyFromModelsFlag(values.models);
const corpusDir = resolve(values.corpus ?? bundledCorpusDir());
const files = await readCorpus(corpusDir);
const regions: TypingRegion[] = [];
for (const [i, file] of files.entries()) {
  if (regions.length >= fileCount) break;
  const region = typingRegionOf(file, chars, seed + i);
  if (region && region.languageId !== "plaintext") regions.push(region);
}
// Spread over languages: every other file when there are enough.
const scripts = regions.map((region, i) => typingScriptOf(region.target, seed * 1000 + i));
const sharesTargetTokenizer = (d: (typeof family.drafters)[number]) => d.training?.tokenizer === family.target.training?.tokenizer;
const defaultDrafter =
  family.drafters.find((d) => d.id === DEFAULT_DRAFTER_ID) ??
  family.drafters.filter(sharesTargetTokenizer).sort((a, b) => a.parameters - b.parameters)[0] ??
  family.drafters[0];
const started = performance.now();
const loadAtStart = load();
log(`typing bench: ${regions.length} regions, ${scripts.reduce((n, s) => n + s.length, 0)} keystrokes per row; load ${loadAtStart.join(" ")}`);

interface RowPlan {
  label: string;
  configuration: TypingRow["configuration"];
  settings: Record<string, unknown>;
  profilePath?: string;
  usesVerifier: boolean;
  /** Co-located speculation: the llama-server verifying this row drafts with this drafter beside the target. */
  colocatedDraft?: { model: string; maxTokens: number };
}

/** The verifier a row or a profile talks to (behind the latency proxy): where it listens and how to stop it. */
interface Target {
  /** Origin the proxy forwards to (`http://127.0.0.1:PORT`). */
  origin: string;
  close(): Promise<void>;
  /** The engine's last output, for a failure message (llama-server). */
  log?(): string;
}

/**
 * llama-servers run in their own process groups (scripts/engines): if this script dies before its
 * `finally` blocks run (a crash, Ctrl-C), they would outlive it. Killed on the way out instead.
 */
const runningEngines = new Set<RunningEngine>();
process.on("exit", () => {
  for (const server of runningEngines) server.kill();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

/** Starts the condition's verifier: the embedded one (with its emulated step) or a llama-server (with a co-located drafter when asked). */
async function startTarget(condition: { stepMs: number }, draft?: { model: string; maxTokens: number }): Promise<Target> {
  if (engine === "embedded") {
    if (draft) throw new Error("co-located speculation needs --engine llama-server");
    const verifier: VerifierProcess = await startVerifierProcess({ cliPath, modelPath: family.target.absolutePath, modelId: family.target.id, stepDelayMs: condition.stepMs });
    return { origin: verifier.url, close: () => verifier.close() };
  }
  // The model name requests carry is the target's id, as against the embedded verifier.
  const server: RunningEngine = await startLlamaServer({ model: family.target.absolutePath, slots: LLAMA_SERVER_SLOTS, alias: family.target.id, draft });
  runningEngines.add(server);
  const close = async () => {
    await server.stop();
    runningEngines.delete(server);
  };
  return { origin: server.baseUrl, close, log: () => server.log() };
}

/** Runs one configuration: a fresh daemon (and a fresh verifier: its prefix cache must not remember the previous row's typing). */
async function runRow(plan: RowPlan, condition: { rttMs: number; stepMs: number }, reference: Sitting[] | undefined, conditionProfile: string | undefined): Promise<{ row: TypingRow; sittings: Sitting[] }> {
  const rowStarted = performance.now();
  let verifier: Target | undefined;
  let proxy: LatencyProxy | undefined;
  const storagePath = await mkdtemp(join(tmpdir(), "configspec-typing-"));
  let daemon: DaemonProcess | undefined;
  try {
    let verifierSettings: Record<string, unknown> = { baseUrl: DEAD_VERIFIER_URL, model: family.target.id };
    if (plan.usesVerifier) {
      verifier = await startTarget(condition, plan.colocatedDraft);
      proxy = await startLatencyProxy(verifier.origin, condition.rttMs);
      verifierSettings = { baseUrl: proxy.baseUrl, model: family.target.id };
    }
    if (plan.profilePath) await copyFile(plan.profilePath, join(storagePath, "profile.json"));
    daemon = await DaemonProcess.start({
      entry: "dist",
      // A drift re-profile would change the row's configuration and load the machine mid-measurement.
      settings: { debounceMs, maxTokens, warmup, profiling: { reprofileOnDrift: false }, ...plan.settings, verifier: verifierSettings },
      initializationOptions: { storagePath, modelFamilyDir: family.dir },
    });
    // Warm up on another file: models loaded, verifier connected, first prompt paid; then measure.
    const warmUri = "file:///typing/warm-up.ts";
    const warmText = files.find((f) => !regions.some((r) => r.file === f.relativePath))?.text ?? files[0].text;
    await daemon.open(warmUri, warmText.slice(0, 600));
    for (let attempt = 0; attempt < 10; attempt++) {
      const result = await daemon.inlineCompletion(warmUri, { line: 3, character: 0 }, undefined, 1).catch(() => null);
      if (result?.items.length) break;
      await delay(500);
    }
    const before = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    proxy?.reset();
    const sittings: Sitting[] = [];
    for (const [i, region] of regions.entries()) {
      const typed = await typeRegion(daemon.connection, `file:///typing/${i}/${region.file.replace(/[^\w.]/g, "_")}`, region, scripts[i]);
      sittings.push({ region, script: scripts[i], ...typed });
    }
    const stats = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    const traffic = proxy?.traffic ?? { calls: 0, abandoned: 0, streams: 0, streamsClosedEarly: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, byPath: {} };
    const counters = Object.fromEntries(Object.entries(stats.counters).map(([key, value]) => [key, value - (before.counters[key as keyof typeof before.counters] ?? 0)]));
    // Warm-ups while typing (configspec.warmup) and what the verifier billed for them, over the sittings.
    const warmups = Object.fromEntries(
      Object.entries(stats.warmups ?? {}).map(([key, value]) => [key === "warmups" ? key : `warmup${key[0].toUpperCase()}${key.slice(1)}`, value - (before.warmups?.[key as keyof NonNullable<typeof before.warmups>] ?? 0)]),
    );
    const active = stats.active;
    const row: TypingRow = {
      label: plan.label,
      // Co-located: the daemon runs verifier-only (no drafter of its own); the drafter and K are the engine's.
      configuration:
        plan.configuration.kind === "colocated"
          ? plan.configuration
          : { ...plan.configuration, drafterId: active?.drafterId ?? plan.configuration.drafterId, k: active?.k ?? plan.configuration.k },
      metrics: typingMetricsOf(sittings, traffic),
      lossless: reference ? losslessCheckOf(sittings, reference) : null,
      daemon: { ...counters, ...warmups, verifierCalls: traffic.calls, verifierCallsAbandoned: traffic.abandoned, verifierStreams: traffic.streams, verifierStreamsClosedEarly: traffic.streamsClosedEarly },
      load: load(),
      wallMs: Math.round(performance.now() - rowStarted),
      problems: daemon.logs.filter((l) => l.type <= 2).slice(0, 5).map((l) => l.message.slice(0, 300)),
      // Co-located speculation happens inside the engine: the model does not describe it.
      firstLinePrediction: plan.configuration.kind === "colocated" ? null : await firstLinePredictionOfRow({ profilePath: conditionProfile, active, verified: plan.configuration.verified, sittings, debounceMs }),
    };
    if (plan.usesVerifier && (row.metrics.failedRequests > 0 || row.metrics.shownPerPause === 0) && verifier?.log) {
      log(`  ${plan.label}: the engine's log (tail):\n${verifier.log().slice(-1500)}`);
    }
    const m = row.metrics;
    log(`  ${plan.label}: p50 ${m.latencyMs.p50} p90 ${m.latencyMs.p90} ms, shown ${Math.round(100 * m.shownPerPause)}% of ${m.pauses} pauses, ${m.perHundredChars.verifierCalls} verifier calls/100 keys; load ${row.load.join(" ")}`);
    return { row, sittings };
  } finally {
    await daemon?.stop();
    await proxy?.close();
    await verifier?.close();
    await rm(storagePath, { recursive: true, force: true });
  }
}

/** `configspec profile` against the condition's verifier behind its round trip; returns the profile file and the daemon's picks. */
async function profileCondition(condition: { rttMs: number; stepMs: number }, dir: string) {
  const profileStarted = performance.now();
  const verifier = await startTarget(condition);
  const proxy = await startLatencyProxy(verifier.origin, condition.rttMs);
  const profilePath = join(dir, `profile-${engine}-rtt${condition.rttMs}-step${condition.stepMs}.json`);
  try {
    const args = [cliPath, "profile", "--drafters", family.drafters.map((d) => d.absolutePath).join(","), "--verifier-url", proxy.baseUrl, "--verifier-model", family.target.id];
    args.push("--out", profilePath, "--prompts", values["profile-prompts"]!, "--rounds", values["profile-rounds"]!, "--force");
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    if (code !== 0) throw new Error(`configspec profile failed (${code}): ${stderr}`);
  } finally {
    await proxy.close();
    await verifier.close();
  }
  // The daemon's own reading of the profile: what it would pick per objective.
  const storagePath = await mkdtemp(join(tmpdir(), "configspec-typing-picks-"));
  await copyFile(profilePath, join(storagePath, "profile.json"));
  const daemon = await DaemonProcess.start({
    entry: "dist",
    settings: { drafters: family.drafters.map((d) => d.absolutePath), enabled: false },
    initializationOptions: { storagePath, modelFamilyDir: family.dir },
  });
  try {
    await daemon.waitForLog(/ConfigSpec daemon ready/, 30_000);
    const { profile } = await daemon.connection.sendRequest(GetProfileRequest.type, undefined);
    if (!profile) throw new Error("the daemon could not use the profile");
    return { profilePath, picks: profile.picks, wallMs: performance.now() - profileStarted };
  } finally {
    await daemon.stop();
    await rm(storagePath, { recursive: true, force: true });
  }
}

/** Writes the results so far (after every condition: an interrupted run keeps what it measured). */
async function writeResults(): Promise<string> {
  const date = new Date().toISOString();
  const result: TypingResult = TypingResultSchema.parse({
    kind: "configspec-typing-bench",
    version: 1,
    date,
    // What ran: `npm run bench:typing -- ARGS` is this after a build.
    command: ["node --import tsx scripts/bench-typing.ts", ...process.argv.slice(2)].join(" "),
    smoke,
    engine,
    machine: { cpus: cpus().length, loadAtStart, loadAtEnd: load() },
    settings: { maxTokens, debounceMs: debounceMs ?? null, chars, seed, warmup },
    corpus: values.corpus ?? "corpus/",
    regions: regions.map((r, i) => ({ file: r.file, chars: r.target.length, keystrokes: scripts[i].length, pauses: scripts[i].filter(isPause).length })),
    conditions,
    wallMs: Math.round(performance.now() - started),
  });
  const outDir = resolve(values.out!);
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, `typing-${smoke ? "smoke-" : ""}${engine === "embedded" ? "" : `${engine}-`}${date.slice(0, 10)}`);
  await writeFile(`${base}.json`, JSON.stringify(result, null, 2) + "\n");
  await writeFile(`${base}.md`, typingReportOf(result));
  return base;
}

const workDir = await mkdtemp(join(tmpdir(), "configspec-typing-bench-"));
const conditions: TypingCondition[] = [];
try {
  for (const stepMs of steps) {
    for (const rttMs of rtts) {
      const condition = { rttMs, stepMs };
      log(`condition RTT ${rttMs} ms, ${engine === "embedded" ? `step ${stepMs} ms` : `${engine} as it is`}`);
      const plans: RowPlan[] = [];
      let picks: TypingCondition["picks"] = null;
      let conditionProfile: string | undefined;
      let profileWallMs: number | null = null;
      let colocated: TypingCondition["colocated"] = null;
      const allDrafters = family.drafters.map((d) => d.absolutePath);
      for (const kind of configKinds) {
        if (kind === "verifier-only") {
          // The baseline a plain cloud client is: one streamed request, shown at its first line.
          plans.push({ label: "verifier-only (streamed)", configuration: { kind, objectives: [], drafterId: null, k: 0, verified: true }, settings: { drafters: [] }, usesVerifier: true });
        } else if (kind === "default") {
          plans.push({
            label: `default (${defaultDrafter.id} K=4)`,
            configuration: { kind, objectives: [], drafterId: defaultDrafter.id, k: 4, verified: true },
            settings: { drafters: [defaultDrafter.absolutePath] },
            usesVerifier: true,
          });
        } else if (kind === "drafter-only") {
          // No verifier: the condition cannot change it, so it runs in the first condition only.
          if (conditions.length > 0) continue;
          plans.push({
            label: `drafter-only (${defaultDrafter.id})`,
            configuration: { kind, objectives: [], drafterId: defaultDrafter.id, k: 0, verified: false },
            settings: { drafters: [defaultDrafter.absolutePath], allowUnverified: true },
            usesVerifier: false,
          });
        } else if (kind === "pick") {
          const profiled = await profileCondition(condition, workDir);
          conditionProfile = profiled.profilePath;
          profileWallMs = Math.round(profiled.wallMs);
          picks = Object.fromEntries(Object.entries(profiled.picks).map(([objective, pick]) => [objective, { drafterId: pick.drafterId, k: pick.k, explanation: pick.explanation }]));
          log(`  picks: ${Object.entries(picks).map(([o, p]) => `${o} ${p.drafterId ?? "verifier-only"} K=${p.k}`).join(", ")} (${Math.round(profiled.wallMs / 1000)} s)`);
          // One row per distinct pick; `auto` is battery or latency, so it is not a row of its own.
          const byKey = new Map<string, string[]>();
          for (const objective of ["latency", "cost", "battery"] as const) {
            const pick = profiled.picks[objective];
            const key = `${pick.drafterId}|${pick.k}|${pick.threads ?? ""}`;
            byKey.set(key, [...(byKey.get(key) ?? []), objective]);
          }
          for (const objectives of byKey.values()) {
            const pick = profiled.picks[objectives[0] as "latency"];
            plans.push({
              label: `pick ${objectives.join("/")} (${pick.drafterId === null ? "verifier-only" : `${pick.drafterId} K=${pick.k}`})`,
              configuration: { kind: "pick", objectives, drafterId: pick.drafterId, k: pick.k, verified: pick.verified },
              settings: { drafters: allDrafters, objective: objectives[0], allowUnverified: !pick.verified },
              profilePath: profiled.profilePath,
              usesVerifier: true,
            });
          }
        } else if (kind === "co-located") {
          // llama.cpp's own speculation beside the target, with the drafter the latency pick uses (else the default's), K = 4.
          const picked = picks?.latency?.drafterId ?? null;
          const pickedEntry = picked === null ? undefined : family.drafters.find((d) => d.id === picked);
          const drafter = pickedEntry && sharesTargetTokenizer(pickedEntry) ? pickedEntry : defaultDrafter;
          const chosenBy = drafter === pickedEntry ? "latency pick" : "default";
          colocated = { drafterId: drafter.id, maxTokens: COLOCATED_DRAFT_MAX, chosenBy };
          plans.push({
            label: `co-located (llama-server -md ${drafter.id} K=${COLOCATED_DRAFT_MAX})`,
            configuration: { kind: "colocated", objectives: [], drafterId: drafter.id, k: COLOCATED_DRAFT_MAX, verified: true },
            // No drafters: the daemon runs verifier-only and streams from an engine that speculates server-side.
            settings: { drafters: [] },
            usesVerifier: true,
            colocatedDraft: { model: drafter.absolutePath, maxTokens: COLOCATED_DRAFT_MAX },
          });
        } else throw new Error(`unknown configuration kind ${kind} (verifier-only, pick, default, drafter-only, co-located)`);
      }
      const rows: TypingRow[] = [];
      let reference: Sitting[] | undefined;
      for (const plan of plans) {
        const { row, sittings } = await runRow(plan, condition, reference, conditionProfile);
        if (plan.configuration.kind === "verifier-only") reference = sittings;
        rows.push(row);
      }
      conditions.push({ rttMs, stepMs, picks, profileWallMs, colocated, rows });
      await writeResults();
    }
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const base = await writeResults();
process.stdout.write(`${base}.json\n${base}.md\n`);
