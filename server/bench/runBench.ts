import { loadDrafter } from "../drafter/loadDrafter.js";
import { cpus, loadavg } from "node:os";
import type { Drafter } from "../drafter/drafter.js";
import type { Configuration } from "../prediction/configuration.js";
import { configurationLabel } from "../prediction/configuration.js";
import { DEFAULT_PRICE_TABLE, findPriceTable } from "../prediction/priceTables.js";
import type { ResolvedModelEntry } from "../modelFiles/modelManifest.js";
import { PowerMeter } from "../profiler/power/powerMeter.js";
import type { ProfileDrafterSpec } from "../profiler/profileRunner.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import type { BenchCondition } from "./benchConditions.js";
import { BENCH_SCHEMA_VERSION, BenchResultSchema, type BenchResult, type ConditionResultJson } from "./benchSchema.js";
import type { StartBenchVerifier } from "./benchVerifier.js";
import { benchWorkload } from "./benchWorkload.js";
import { runCondition, TARGET_EFFICIENCY } from "./conditionRun.js";
import { measureGrid } from "./gridMeasurement.js";
import { comparePeer } from "./peerComparison.js";
import { TARGET_REGRET } from "./regret.js";

/** The "fixed popular default": the mid-size drafter at K = 4. */
export const POPULAR_DEFAULT_DRAFTER = "draft-4l-f16";
export const POPULAR_DEFAULT_K = 4;

export interface BenchPlan {
  smoke: boolean;
  conditions: BenchCondition[];
  prompts: number;
  maxTokens: number;
  /** Passes of the headline configurations (medians and spread over them). */
  passes: number;
  gridKs: number[];
  kMax: number;
  profilePrompts: number;
  profileRounds: number;
  peerPasses: number;
}

export interface BenchOptions {
  plan: BenchPlan;
  target: ResolvedModelEntry;
  drafters: readonly ResolvedModelEntry[];
  corpusDir?: string;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Starts the verifier for a condition's emulated step time. */
  startVerifier: StartBenchVerifier;
}

/** Runs the whole bench: every condition, then the peer comparison on loopback; the result is schema-checked. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const { plan, log, signal } = options;
  const loadAverageStart = loadavg();
  const meter = await PowerMeter.detect();
  const prices = findPriceTable(options.target.id) ?? DEFAULT_PRICE_TABLE;
  const drafters = new Map<string, Drafter>();
  const notes: string[] = [];
  try {
    for (const entry of options.drafters) drafters.set(entry.id, await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath, threads: 1, signal }));
    const defaultDrafter = drafters.get(POPULAR_DEFAULT_DRAFTER) ?? [...drafters.values()][Math.floor(drafters.size / 2)];
    if (!defaultDrafter) throw new RangeError("expected drafters in the model family, found none");
    if (defaultDrafter.id !== POPULAR_DEFAULT_DRAFTER) notes.push(`${POPULAR_DEFAULT_DRAFTER} is not in the family; the popular default uses ${defaultDrafter.id}`);
    const popularDefault: Configuration = { drafterId: defaultDrafter.id, k: POPULAR_DEFAULT_K, threads: 1, verified: true };
    const workload = await benchWorkload({ corpusDir: options.corpusDir, count: plan.prompts, maxTokens: plan.maxTokens, tokenizer: defaultDrafter });
    const drafterSpecs: ProfileDrafterSpec[] = options.drafters.map((d) => ({ id: d.id, path: d.absolutePath, sha256: d.sha256 }));
    log(`${workload.prompts.length} prompts from ${workload.corpus} (${[...new Set(workload.prompts.map((p) => p.language))].join(", ")}), ≤ ${plan.maxTokens} tokens, mean prompt ${workload.meanPromptTokens} tokens`);
    log(`energy from ${meter.label}`);

    const conditions: ConditionResultJson[] = [];
    const stepValues = [...new Set(plan.conditions.map((c) => c.stepMs))];
    for (const stepMs of stepValues) {
      await using verifier = await options.startVerifier(options.target, stepMs);
      for (const condition of plan.conditions.filter((c) => c.stepMs === stepMs)) {
        conditions.push(
          await runCondition(condition, {
            drafterSpecs,
            drafters,
            verifier: { baseUrl: verifier.url, model: verifier.modelId, identity: verifier.identity ?? `embedded:${options.target.id}@${options.target.sha256}` },
            workload,
            prices,
            meter,
            gridKs: plan.gridKs,
            kMax: plan.kMax,
            passes: plan.passes,
            popularDefault,
            profilePrompts: plan.profilePrompts,
            profileRounds: plan.profileRounds,
            signal,
            log,
          }),
        );
      }
    }

    let peer: BenchResult["peer"] = null;
    if (plan.peerPasses > 0) {
      log(`peer: node-llama-cpp DraftSequenceTokenPredictor vs ${configurationLabel(popularDefault)} on loopback`);
      await using verifier = await options.startVerifier(options.target, 0);
      const client = new VerifierClient({ baseUrl: verifier.url, model: verifier.modelId });
      try {
        const defaultEntry = options.drafters.find((d) => d.id === defaultDrafter.id)!;
        peer = await comparePeer({
          targetPath: options.target.absolutePath,
          drafter: defaultDrafter,
          drafterPath: defaultEntry.absolutePath,
          k: POPULAR_DEFAULT_K,
          label: configurationLabel(popularDefault),
          workload,
          passes: plan.peerPasses,
          measureOurs: async (pass) =>
            (await measureGrid({ configurations: [popularDefault], drafters: new Map([[defaultDrafter.id, defaultDrafter]]), client, workload, prices, meter, firstPass: pass, signal })).get(
              configurationLabel(popularDefault),
            )!,
          onProgress: log,
        });
      } finally {
        client.dispose();
      }
    }

    notes.push(`grid: verifier-only, drafter-only and every drafter × K ∈ {${plan.gridKs.join(", ")}} at 1 drafting thread (plus the picks and the default if outside it); the profiles cover K ≤ ${plan.kMax} at 1 thread, so every pick is measured`);
    const worstRegret = Math.max(...conditions.flatMap((c) => c.regret.map((r) => r.regret)));
    const worstEfficiency = Math.min(...conditions.map((c) => c.efficiency.median));
    const peerRatio = peer ? Math.min(...peer.variants.map((v) => v.goodputRatio.median)) : null;
    const result: BenchResult = {
      schemaVersion: BENCH_SCHEMA_VERSION,
      createdAt: new Date().toISOString(),
      smoke: plan.smoke,
      machine: { cpuModel: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadAverageStart, loadAverageEnd: loadavg() },
      workload: {
        corpus: workload.corpus,
        seed: workload.seed,
        maxTokens: workload.maxTokens,
        meanPromptTokens: workload.meanPromptTokens,
        prompts: workload.prompts.map((p) => ({ file: p.cut.file, language: p.language, offset: p.cut.offset, promptTokens: p.tokens.length })),
        passes: plan.passes,
        gridKs: plan.gridKs,
        kMax: plan.kMax,
        drafterThreads: 1,
      },
      verifier: { model: options.target.id, stepDelaysMs: stepValues },
      power: { source: meter.kind, label: meter.label },
      prices,
      conditions,
      peer,
      targets: {
        regret: { target: TARGET_REGRET, worst: worstRegret, met: worstRegret <= TARGET_REGRET },
        efficiency: { target: TARGET_EFFICIENCY, worstMedian: worstEfficiency, met: worstEfficiency >= TARGET_EFFICIENCY },
        peer: { medianRatio: peerRatio, met: peer ? peer.met : null },
      },
      notes,
      wallMs: performance.now() - started,
    };
    return BenchResultSchema.parse(result);
  } finally {
    meter.dispose();
    for (const drafter of drafters.values()) await drafter.dispose();
  }
}
