import { loadDrafter } from "../drafter/loadDrafter.js";
import type { CompletionCut } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import type { CompletionStats } from "../completionContract.js";
import type { VerifierProtocol } from "../verifier/verifierProtocol.js";
import type { RoundHooks } from "../engine/loops/loopTypes.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import { configurationKind, configurationLabel, type Configuration } from "../prediction/configuration.js";
import { predict } from "../prediction/performanceModel.js";
import { checkPrediction, sumCompletionStats, type CheckedFigures } from "../prediction/predictionCheck.js";
import { buildCompletionPrompt } from "../prompt/completionPrompt.js";
import { cursorContextOf, stopRulePredicate } from "../postprocess/stopRules.js";
import { enumerateConfigurations } from "../selector/configurationSpace.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { quantile } from "../profiler/latencyStats.js";
import type { PowerMeter } from "../profiler/power/powerMeter.js";
import type { Profile } from "../profile/profileSchema.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import { CallRecorder } from "../profiler/callTrace.js";
import { decomposeCompletions, type Decomposition, type MeasuredCompletion } from "../prediction/termDecomposition.js";
import { SeededRandom } from "../util/seededRandom.js";
import { covers, DEFAULT_INTERVAL_LEVEL, predictionInterval, replicateProfiles, type PredictionInterval } from "../prediction/predictionInterval.js";
import type { PlanReason, PlannedConfiguration } from "./validationPlan.js";

/** Tokens per validated completion: the model's default completion length. */
export const DEFAULT_VALIDATION_MAX_TOKENS = 64;
/** Tokens of the unmeasured completion that warms both caches for a prompt. */
const WARM_UP_TOKENS = 4;

/** The three figures the targets are about: goodput, cost and energy per verified token. */
export const VALIDATED_METRICS = ["goodput", "usdPerToken", "joulesPerToken"] as const;
export type ValidatedMetric = (typeof VALIDATED_METRICS)[number];

export interface ValidationRow {
  configuration: Configuration;
  label: string;
  /** Why it was measured (the plan); empty when the caller listed the configurations. */
  reasons: PlanReason[];
  completions: number;
  tokens: number;
  predicted: CheckedFigures;
  measured: CheckedFigures;
  /** (measured − predicted) / predicted; NaN where undefined (a free configuration's cost). */
  relativeError: CheckedFigures;
  /** The measured completions split into the model's terms, each beside its prediction. */
  decomposition: Decomposition;
  /** The prediction's interval for a measurement over this many held-back prompts. */
  interval: PredictionInterval;
  /** Whether the measured figure fell inside the interval; null where undefined (free cost, no bootstrap). */
  covered: Record<ValidatedMetric, boolean | null>;
}

export interface ErrorSummary {
  /** Of |relative error| over the configurations where it is defined. */
  median: number;
  p90: number;
  count: number;
}

export interface CoverageSummary {
  /** Share of configurations whose measured figure lay inside the interval. */
  share: number;
  count: number;
}

export interface ValidationResult {
  rows: ValidationRow[];
  summary: Record<ValidatedMetric, ErrorSummary>;
  /** Of the {@link DEFAULT_INTERVAL_LEVEL} intervals; NaN share when the profile has no bootstrap. */
  coverage: Record<ValidatedMetric, CoverageSummary>;
  intervalLevel: number;
  /** Conditions the predictions were made for (mean prompt of the held-back cuts). */
  promptTokens: number;
  maxTokens: number;
  /** Whether completions ran under the daemon's stop rules (and were predicted at the profile's lengths). */
  stopRules: boolean;
  wallMs: number;
  /** Round trips probed during the run (the profile's probe), ms. */
  rttSamples: number[];
}

export interface ValidationOptions {
  profile: Profile;
  /** The verifier the profile was measured against (with the same emulated delay, if any). */
  client: VerifierClient;
  /** Held-back prompts: cut with another seed than the calibration set. */
  cuts: readonly CompletionCut[];
  maxTokens?: number;
  /** Run completions under the daemon's stop rules, as it serves them. Default true; false runs each to its budget (the old steady state). */
  stopRules?: boolean;
  /** Default: the whole configuration space, drafter-only included. */
  configurations?: readonly (Configuration | PlannedConfiguration)[];
  meter: PowerMeter;
  /** Seeds the order configurations run in for each prompt. Default 1. */
  orderSeed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Round-trip probes at the start and after each prompt. */
const RTT_PROBES_AT_START = 5;
const RTT_PROBES_PER_PROMPT = 2;

/**
 * Runs configurations for real through the speculative engine and sets the model's predictions
 * beside the measurements. Interleaved: prompt by prompt, every configuration completes the
 * prompt in a seeded order that changes per prompt, so a change in machine load hits all of
 * them alike instead of one drafter's block. Each completion starts with exactly the prompt
 * cached by its drafter and the verifier (see cacheOnlyPrompt): the steady state the model
 * predicts (conditions.drafterPrefillTokens = 0). Energy is metered per completion; every
 * drafter and verifier call is traced, so each completion is split into the model's terms.
 */
export async function validateProfile(options: ValidationOptions): Promise<ValidationResult> {
  const started = performance.now();
  const { profile, cuts, meter, signal } = options;
  const maxTokens = options.maxTokens ?? DEFAULT_VALIDATION_MAX_TOKENS;
  const stopRules = options.stopRules ?? true;
  const conditions = { maxTokens, completionLength: stopRules ? ("stopRules" as const) : ("maxTokens" as const) };
  const planned: PlannedConfiguration[] = (options.configurations ?? enumerateConfigurations(profile, { allowUnverified: true })).map((c) =>
    "configuration" in c ? c : { configuration: c, reasons: [] },
  );
  const configurations = planned.map((p) => p.configuration);
  // Verifier-only sends the prompt as token ids built by a drafter, as the daemon does with a shared tokenizer.
  const promptDrafterId = configurations.find((c) => c.drafterId !== null)?.drafterId ?? profile.drafters[0]?.id;
  if (promptDrafterId === undefined) throw new RangeError("expected a profiled drafter to build prompts with, found none");
  const recorder = new CallRecorder();
  const client = recorder.client(options.client);
  const instances = new Map<string, Drafter>();
  const instanceKey = (c: Configuration) => `${c.drafterId ?? promptDrafterId}×${c.drafterId === null ? 1 : c.threads}`;
  const measured = new Map<Configuration, { stats: CompletionStats[]; traces: MeasuredCompletion[]; joules: number }>(configurations.map((c) => [c, { stats: [], traces: [], joules: 0 }]));
  const engines = new Map<Configuration, SpeculativeEngine>();
  const warmUps = new Map<string, SpeculativeEngine>();
  const rttSamples: number[] = [];
  const probeRtt = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const health = await options.client.probe({ signal });
      if (health.status === "ok") rttSamples.push(health.latencyMs);
    }
  };
  let promptTokens = 0;
  try {
    for (const c of configurations) {
      const key = instanceKey(c);
      let drafter = instances.get(key);
      if (!drafter) {
        const id = c.drafterId ?? promptDrafterId;
        const drafterProfile = profile.drafters.find((d) => d.id === id);
        if (!drafterProfile) throw new RangeError(`expected drafter ${id} in the profile, found ${profile.drafters.map((d) => d.id).join(", ")}`);
        drafter = recorder.drafter(await loadDrafter({ id, uriOrPath: drafterProfile.uri, threads: c.drafterId === null ? 1 : c.threads, signal }));
        instances.set(key, drafter);
        warmUps.set(key, await engineFor(drafter, client, 1, true, profile.verifier.protocol, recorder.roundHooks));
      }
      engines.set(c, await engineFor(drafter, client, c.k, configurationKind(c) !== "drafter-only", c.protocol ?? profile.verifier.protocol, recorder.roundHooks));
    }
    const promptDrafter = instances.get(instanceKey(configurations[0]))!;
    const promptsOf = cuts.map((cut) => buildCompletionPrompt(cut.prefix, cut.suffix, promptDrafter).tokens);
    promptTokens = Math.round(promptsOf.reduce((a, p) => a + p.length, 0) / Math.max(1, promptsOf.length));
    await probeRtt(RTT_PROBES_AT_START);
    const random = new SeededRandom(options.orderSeed ?? 1);
    let done = 0;
    const total = configurations.length * cuts.length;
    for (const [i, cut] of cuts.entries()) {
      for (const warmUp of warmUps.values()) await warmUp.complete(inputFor(cut, i, WARM_UP_TOKENS, false, signal));
      for (const configuration of shuffled(configurations, random)) {
        signal?.throwIfAborted();
        options.onProgress?.(done++, total, `${configurationLabel(configuration)}, prompt ${i + 1}/${cuts.length}`);
        await cacheOnlyPrompt(warmUps.get(instanceKey(configuration))?.cacheVerifier ?? options.client, promptsOf[i], signal);
        recorder.begin();
        const { result, power } = await meter.measure(() => engines.get(configuration)!.complete(inputFor(cut, i, maxTokens, stopRules, signal)));
        const trace = recorder.end();
        const entry = measured.get(configuration)!;
        entry.stats.push(result.stats);
        entry.traces.push({ trace, tokens: result.stats.tokens });
        entry.joules += power.joules;
      }
      for (const drafter of instances.values()) await drafter.forgetDocument(`validation-${i}`);
      await probeRtt(RTT_PROBES_PER_PROMPT);
    }
    options.onProgress?.(total, total, "done");
  } finally {
    for (const engine of [...engines.values(), ...warmUps.values()]) await engine.dispose();
    for (const drafter of instances.values()) await drafter.dispose();
  }
  const rttMs = rttSamples.length > 0 ? quantile(rttSamples, 0.5) : profile.verifier.rttMs.median;
  const replicates = replicateProfiles(profile);
  const rows: ValidationRow[] = planned.map(({ configuration, reasons }) => {
    const entry = measured.get(configuration)!;
    const totalStats = sumCompletionStats(entry.stats);
    const prediction = predict(profile, configuration, { ...conditions, promptTokens });
    const check = checkPrediction(prediction, totalStats, profile.prices, entry.joules);
    // Free on both sides: a relative cost error is undefined, not 0.
    if (configurationKind(configuration) === "drafter-only") check.relativeError.usdPerToken = NaN;
    const decomposition = decomposeCompletions(prediction, entry.traces, rttMs);
    const interval = predictionInterval(profile, configuration, { ...conditions, promptTokens }, { heldBackPrompts: cuts.length }, replicates, prediction);
    const covered = Object.fromEntries(
      VALIDATED_METRICS.map((metric) => {
        const value = check.measured[metric];
        const defined = interval.replicates > 0 && Number.isFinite(check.relativeError[metric]) && Number.isFinite(value);
        return [metric, defined ? covers(interval[metric], value) : null];
      }),
    ) as Record<ValidatedMetric, boolean | null>;
    return { configuration, label: configurationLabel(configuration), reasons, completions: entry.stats.length, tokens: totalStats.tokens, ...check, decomposition, interval, covered };
  });
  const summary = Object.fromEntries(VALIDATED_METRICS.map((metric) => [metric, summarize(rows.map((r) => r.relativeError[metric]))])) as Record<ValidatedMetric, ErrorSummary>;
  const coverage = Object.fromEntries(
    VALIDATED_METRICS.map((metric) => {
      const judged = rows.map((r) => r.covered[metric]).filter((c): c is boolean => c !== null);
      return [metric, { share: judged.length > 0 ? judged.filter(Boolean).length / judged.length : NaN, count: judged.length }];
    }),
  ) as Record<ValidatedMetric, CoverageSummary>;
  return { rows, summary, coverage, intervalLevel: DEFAULT_INTERVAL_LEVEL, promptTokens, maxTokens, stopRules, wallMs: performance.now() - started, rttSamples };
}

/** `protocol`: the configuration's (the selector compared several); absent, the one the profile's fits were measured with. */
function engineFor(drafter: Drafter, client: VerifierClient, k: number, verified: boolean, protocol: VerifierProtocol, roundHooks: RoundHooks): Promise<SpeculativeEngine> {
  return verified
    ? SpeculativeEngine.create({ drafter, verifier: client, k, tokenExchange: "ids", protocol, roundHooks })
    : SpeculativeEngine.create({ drafter, k: Math.max(1, k), protocol });
}

/** `stopRules`: the daemon's rules end the completion as they end a served one (its `shouldStop`). */
function inputFor(cut: CompletionCut, index: number, maxTokens: number, stopRules: boolean, signal: AbortSignal | undefined) {
  const shouldStop = stopRules ? stopRulePredicate(cursorContextOf(cut.prefix, cut.suffix)) : undefined;
  return { prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens, signal: signal ?? new AbortController().signal, documentKey: `validation-${index}`, ...(shouldStop ? { shouldStop } : {}) };
}

/** A seeded Fisher–Yates shuffle (a new order each call). */
function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function summarize(errors: readonly number[]): ErrorSummary {
  const defined = errors.filter(Number.isFinite).map(Math.abs);
  if (defined.length === 0) return { median: NaN, p90: NaN, count: 0 };
  return { median: quantile(defined, 0.5), p90: quantile(defined, 0.9), count: defined.length };
}
