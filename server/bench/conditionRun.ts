import type { Drafter } from "../drafter/drafter.js";
import { configurationLabel, drafterOnlyConfiguration, sameConfiguration, verifierOnlyConfiguration, type Configuration } from "../prediction/configuration.js";
import { predict } from "../prediction/performanceModel.js";
import type { ConditionsInput } from "../prediction/conditions.js";
import type { PowerMeter } from "../profiler/power/powerMeter.js";
import { runProfile, type ProfileDrafterSpec } from "../profiler/profileRunner.js";
import { ProfileSchema, type PriceTable, type Profile } from "../profile/profileSchema.js";
import { median } from "../profiler/latencyStats.js";
import { OBJECTIVES, type Objective } from "../selector/objective.js";
import { selectConfigurations } from "../selector/selectConfiguration.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { networkDelayOf, type BenchCondition } from "./benchConditions.js";
import type { ConditionResultJson, MeasuredRowJson } from "./benchSchema.js";
import type { BenchWorkload } from "./benchWorkload.js";
import { measureGrid } from "./gridMeasurement.js";
import { summarizeRow, type MeasuredRow } from "./measuredRow.js";
import { oracleFor } from "./oracle.js";
import { predictionErrorOf, regretOf, type PredictionError } from "./regret.js";

/** The bench's overhead target: measured goodput ≥ 90 % of what the component times alone would give. */
export const TARGET_EFFICIENCY = 0.9;

export interface ConditionSettings {
  drafterSpecs: readonly ProfileDrafterSpec[];
  /** Loaded once for the whole bench, 1 thread each. */
  drafters: ReadonlyMap<string, Drafter>;
  verifier: { baseUrl: string; model: string; identity: string };
  workload: BenchWorkload;
  prices: PriceTable;
  meter: PowerMeter;
  gridKs: readonly number[];
  kMax: number;
  /** Passes over the prompts for the headline configurations (the grid gets one). */
  passes: number;
  popularDefault: Configuration;
  profilePrompts: number;
  profileRounds: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function rowJson(row: MeasuredRow, profile: Profile, conditions: ConditionsInput): MeasuredRowJson {
  let predicted: MeasuredRowJson["predicted"] = null;
  try {
    const p = predict(profile, row.configuration, conditions);
    predicted = { goodput: finiteOrNull(p.goodput), tokensPerUsd: finiteOrNull(p.tokensPerUsd), tokensPerJoule: finiteOrNull(p.tokensPerJoule), tokensPerRound: finiteOrNull(p.tokensPerRound) };
  } catch {
    predicted = null;
  }
  return { ...row, tokensPerUsd: finiteOrNull(row.tokensPerUsd), predicted };
}

/**
 * One condition: profile under it (same emulated delay), pick per objective, measure the grid
 * once on the workload, choose the oracle per objective from it, then measure the headline
 * configurations (baselines, default, picks, oracles) for more passes side by side, and score
 * regret and prediction error on those repeated measurements.
 */
export async function runCondition(condition: BenchCondition, settings: ConditionSettings): Promise<ConditionResultJson> {
  const started = performance.now();
  const { workload, log, signal } = settings;
  const networkDelay = networkDelayOf(condition);

  log(`[${condition.id}] profiling under ${condition.label}`);
  let lastPhase = "";
  const run = await runProfile({
    drafters: settings.drafterSpecs,
    verifier: { baseUrl: settings.verifier.baseUrl, model: settings.verifier.model },
    verifierIdentity: `${settings.verifier.identity}#${condition.id}`,
    networkDelay,
    prices: settings.prices,
    corpusDir: workload.corpus,
    calibrationPrompts: settings.profilePrompts,
    roundsPerPrompt: settings.profileRounds,
    kMax: settings.kMax,
    // One drafting thread: on this shared 2-vCPU machine two threads measured 3–60× slower.
    threadCounts: [1],
    powerMeter: settings.meter,
    signal,
    onProgress: (p) => {
      if (p.phase !== lastPhase) log(`[${condition.id}]   profile: ${p.message}`);
      lastPhase = p.phase;
    },
  });
  const profile = ProfileSchema.parse(run.profile);
  // The bench measures fixed-length completions (no stop rules), so it predicts them too.
  const conditions = { promptTokens: workload.meanPromptTokens, maxTokens: workload.maxTokens, completionLength: "maxTokens" as const };
  const selection = selectConfigurations(profile, { conditions, allowUnverified: false });
  const picks = Object.fromEntries(OBJECTIVES.map((o) => [o, selection.picks[o].choice.configuration])) as Record<Objective, Configuration>;
  log(`[${condition.id}] picks: ${OBJECTIVES.map((o) => `${o} ${selection.picks[o].choice.label}`).join(", ")}`);

  const verifierOnly = verifierOnlyConfiguration();
  const drafterOnly = drafterOnlyConfiguration(settings.popularDefault.drafterId!, 1);
  const grid: Configuration[] = [verifierOnly];
  for (const id of settings.drafters.keys()) grid.push(drafterOnlyConfiguration(id, 1));
  for (const id of settings.drafters.keys()) for (const k of settings.gridKs) grid.push({ drafterId: id, k, threads: 1, verified: true });
  for (const c of [settings.popularDefault, ...Object.values(picks)]) if (!grid.some((g) => sameConfiguration(g, c))) grid.push(c);

  const client = new VerifierClient({ baseUrl: settings.verifier.baseUrl, model: settings.verifier.model, networkDelay });
  try {
    const progress = (phase: string) => {
      let lastDecile = -1;
      return (done: number, total: number, label: string) => {
        const decile = Math.floor((10 * done) / total);
        if (decile !== lastDecile) log(`[${condition.id}]   ${phase} ${decile * 10}%: ${label}`);
        lastDecile = decile;
      };
    };
    log(`[${condition.id}] measuring the grid: ${grid.length} configurations × ${workload.prompts.length} prompts`);
    const completions = await measureGrid({ configurations: grid, drafters: settings.drafters, client, workload, prices: settings.prices, meter: settings.meter, signal, onProgress: progress("grid") });
    const reference = () => completions.get(configurationLabel(verifierOnly));
    const gridRows = grid.map((c) => summarizeRow(c, completions.get(configurationLabel(c))!, reference()));
    const oracles = Object.fromEntries(OBJECTIVES.map((o) => [o, oracleFor(o, gridRows).configuration])) as Record<Objective, Configuration>;

    const headline: Configuration[] = [];
    for (const c of [verifierOnly, drafterOnly, settings.popularDefault, ...Object.values(picks), ...Object.values(oracles)]) {
      if (!headline.some((h) => sameConfiguration(h, c))) headline.push(c);
    }
    if (settings.passes > 1) {
      log(`[${condition.id}] repeating ${headline.length} headline configurations for ${settings.passes - 1} more passes`);
      const more = await measureGrid({
        configurations: headline,
        drafters: settings.drafters,
        client,
        workload,
        prices: settings.prices,
        meter: settings.meter,
        passes: settings.passes - 1,
        firstPass: 1,
        signal,
        onProgress: progress("repeats"),
      });
      for (const [label, list] of more) completions.get(label)!.push(...list);
    }
    const rows = grid.map((c) => summarizeRow(c, completions.get(configurationLabel(c))!, reference()));
    const rowOf = (c: Configuration) => rows.find((r) => sameConfiguration(r.configuration, c))!;
    const regret = OBJECTIVES.map((o) => regretOf(o, rowOf(picks[o]), rowOf(oracles[o])));
    const predictionError = OBJECTIVES.map((o) => ({ objective: o, ...nullSafe(predictionErrorOf(selection.picks[o].choice.prediction, rowOf(picks[o]))) }));
    const speculative = rows.filter((r) => r.kind === "speculative");
    const worst = speculative.reduce<MeasuredRow | undefined>((a, r) => (!a || r.efficiency < a.efficiency ? r : a), undefined);
    const efficiencyMedian = speculative.length > 0 ? median(speculative.map((r) => r.efficiency)) : NaN;
    const acceptance = Object.fromEntries(profile.drafters.map((d) => [d.id, d.acceptanceMean]));
    return {
      id: condition.id,
      label: condition.label,
      rttMs: condition.rttMs,
      jitterMs: condition.jitterMs,
      stepMs: condition.stepMs,
      profile: { wallMs: run.wallMs, rttMedianMs: profile.verifier.rttMs.median, acceptance },
      roles: {
        verifierOnly: configurationLabel(verifierOnly),
        drafterOnly: configurationLabel(drafterOnly),
        popularDefault: configurationLabel(settings.popularDefault),
        picks: Object.fromEntries(OBJECTIVES.map((o) => [o, configurationLabel(picks[o])])) as Record<Objective, string>,
        oracles: Object.fromEntries(OBJECTIVES.map((o) => [o, configurationLabel(oracles[o])])) as Record<Objective, string>,
      },
      rows: rows.map((r) => rowJson(r, profile, conditions)),
      regret: regret.map((r) => ({ ...r, pickValue: finiteOrNull(r.pickValue), oracleValue: finiteOrNull(r.oracleValue) })),
      predictionError,
      efficiency: {
        median: Number.isFinite(efficiencyMedian) ? efficiencyMedian : 1,
        min: worst?.efficiency ?? 1,
        minLabel: worst?.label ?? "",
        configurations: speculative.length,
        met: Number.isFinite(efficiencyMedian) ? efficiencyMedian >= TARGET_EFFICIENCY : true,
      },
      allExact: rows.every((r) => r.exact !== false),
      wallMs: performance.now() - started,
    };
  } finally {
    client.dispose();
  }
}

type Figures = PredictionError["predicted"];

function nullSafe(error: PredictionError) {
  const clean = (f: Figures) => ({
    goodput: finiteOrNull(f.goodput),
    usdPerToken: finiteOrNull(f.usdPerToken),
    joulesPerToken: finiteOrNull(f.joulesPerToken),
    tokensPerRound: finiteOrNull(f.tokensPerRound),
  });
  return { label: error.label, predicted: clean(error.predicted), measured: clean(error.measured), relativeError: clean(error.relativeError) };
}
