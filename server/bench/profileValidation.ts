import type { CompletionCut } from "../corpus/codeCorpus.js";
import { Drafter } from "../drafter/drafter.js";
import type { CompletionStats } from "../completion/completionSource.js";
import { createSpeculativeEngine, type SpeculativeEngine } from "../engine/speculativeEngine.js";
import { configurationKind, configurationLabel, type Configuration } from "../model/configuration.js";
import { predict } from "../model/performanceModel.js";
import { checkPrediction, sumCompletionStats, type CheckedFigures } from "../model/predictionCheck.js";
import { buildCompletionPrompt } from "../prompt/completionPrompt.js";
import { enumerateConfigurations } from "../selector/configurationSpace.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { quantile } from "../profiler/latencyStats.js";
import type { PowerMeter } from "../profiler/power/powerMeter.js";
import type { Profile } from "../profile/profileSchema.js";
import { cacheOnlyPrompt } from "../profiler/roundWalk.js";

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
  completions: number;
  tokens: number;
  predicted: CheckedFigures;
  measured: CheckedFigures;
  /** (measured − predicted) / predicted; NaN where undefined (a free configuration's cost). */
  relativeError: CheckedFigures;
}

export interface ErrorSummary {
  /** Of |relative error| over the configurations where it is defined. */
  median: number;
  p90: number;
  count: number;
}

export interface ValidationResult {
  rows: ValidationRow[];
  summary: Record<ValidatedMetric, ErrorSummary>;
  /** Conditions the predictions were made for (mean prompt of the held-back cuts). */
  promptTokens: number;
  maxTokens: number;
  wallMs: number;
}

export interface ValidationOptions {
  profile: Profile;
  /** The verifier the profile was measured against (with the same emulated delay, if any). */
  client: VerifierClient;
  /** Held-back prompts: cut with another seed than the calibration set. */
  cuts: readonly CompletionCut[];
  maxTokens?: number;
  /** Default: the whole configuration space, drafter-only included. */
  configurations?: readonly Configuration[];
  meter: PowerMeter;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Runs configurations for real through the speculative engine and sets the model's predictions
 * beside the measurements. Each prompt is first completed once unmeasured, then every
 * configuration completes it in turn, each starting with exactly the prompt cached by the drafter
 * and the verifier (see cacheOnlyPrompt): the steady state the model predicts, the prompt cached
 * from the previous keystroke (conditions.drafterPrefillTokens = 0). Energy is metered per completion.
 */
export async function validateProfile(options: ValidationOptions): Promise<ValidationResult> {
  const started = performance.now();
  const { profile, client, cuts, meter, signal } = options;
  const maxTokens = options.maxTokens ?? DEFAULT_VALIDATION_MAX_TOKENS;
  const configurations = options.configurations ?? enumerateConfigurations(profile, { allowUnverified: true });
  // Verifier-only sends the prompt as token ids built by a drafter, as the daemon does with a shared tokenizer.
  const promptDrafterId = configurations.find((c) => c.drafterId !== null)?.drafterId ?? profile.drafters[0]?.id;
  if (promptDrafterId === undefined) throw new RangeError("expected a profiled drafter to build prompts with, found none");
  const groups = groupByDrafter(configurations, promptDrafterId);
  const measured = new Map<Configuration, { stats: CompletionStats[]; joules: number }>(configurations.map((c) => [c, { stats: [], joules: 0 }]));
  let promptTokens = 0;
  let done = 0;
  const total = configurations.length * cuts.length;
  for (const { drafterId, threads, members } of groups) {
    const drafterProfile = profile.drafters.find((d) => d.id === drafterId);
    if (!drafterProfile) throw new RangeError(`expected drafter ${drafterId} in the profile, found ${profile.drafters.map((d) => d.id).join(", ")}`);
    const drafter = await Drafter.load({ id: drafterProfile.id, uriOrPath: drafterProfile.uri, threads, signal });
    const engines = new Map<Configuration, SpeculativeEngine>();
    try {
      const promptsOf = cuts.map((cut) => buildCompletionPrompt(cut.prefix, cut.suffix, drafter).tokens);
      const lengths = promptsOf.map((tokens) => tokens.length);
      promptTokens = Math.round(lengths.reduce((a, b) => a + b, 0) / lengths.length);
      for (const c of members) engines.set(c, await engineFor(drafter, client, c.k, configurationKind(c) !== "drafter-only"));
      const warmUp = await engineFor(drafter, client, 1, true);
      try {
        // Prompt by prompt: the verifier keeps the prompt cached between consecutive requests for it.
        for (const [i, cut] of cuts.entries()) {
          await warmUp.complete(inputFor(cut, i, WARM_UP_TOKENS, signal));
          for (const configuration of members) {
            signal?.throwIfAborted();
            options.onProgress?.(done++, total, `${configurationLabel(configuration)}, prompt ${i + 1}/${cuts.length}`);
            const engine = engines.get(configuration)!;
            await cacheOnlyPrompt(client, promptsOf[i], signal);
            const { result, power } = await meter.measure(() => engine.complete(inputFor(cut, i, maxTokens, signal)));
            const entry = measured.get(configuration)!;
            entry.stats.push(result.stats);
            entry.joules += power.joules;
          }
        }
      } finally {
        await warmUp.dispose();
      }
    } finally {
      for (const engine of engines.values()) await engine.dispose();
      await drafter.dispose();
    }
  }
  const rows: ValidationRow[] = configurations.map((configuration) => {
    const entry = measured.get(configuration)!;
    const totalStats = sumCompletionStats(entry.stats);
    const prediction = predict(profile, configuration, { promptTokens, maxTokens });
    const check = checkPrediction(prediction, totalStats, profile.prices, entry.joules);
    // Free on both sides: a relative cost error is undefined, not 0.
    if (configurationKind(configuration) === "drafter-only") check.relativeError.usdPerToken = NaN;
    return { configuration, label: configurationLabel(configuration), completions: entry.stats.length, tokens: totalStats.tokens, ...check };
  });
  const summary = Object.fromEntries(VALIDATED_METRICS.map((metric) => [metric, summarize(rows.map((r) => r.relativeError[metric]))])) as Record<ValidatedMetric, ErrorSummary>;
  return { rows, summary, promptTokens, maxTokens, wallMs: performance.now() - started };
}

function engineFor(drafter: Drafter, client: VerifierClient, k: number, verified: boolean): Promise<SpeculativeEngine> {
  return verified
    ? createSpeculativeEngine({ loadedDrafter: drafter, verifierClient: client, k, tokenExchange: "ids" })
    : createSpeculativeEngine({ loadedDrafter: drafter, k: Math.max(1, k) });
}

function inputFor(cut: CompletionCut, index: number, maxTokens: number, signal: AbortSignal | undefined) {
  return { prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens, signal: signal ?? new AbortController().signal, documentKey: `validation-${index}` };
}

/** Configurations sharing a loaded drafter (drafter and threads); verifier-only joins the drafter that builds its prompts. */
function groupByDrafter(configurations: readonly Configuration[], promptDrafterId: string) {
  const groups: { drafterId: string; threads: number; members: Configuration[] }[] = [];
  for (const c of configurations) {
    const drafterId = c.drafterId ?? promptDrafterId;
    const threads = c.drafterId === null ? 1 : c.threads;
    let group = groups.find((g) => g.drafterId === drafterId && g.threads === threads);
    if (!group) groups.push((group = { drafterId, threads, members: [] }));
    group.members.push(c);
  }
  return groups;
}

function summarize(errors: readonly number[]): ErrorSummary {
  const defined = errors.filter(Number.isFinite).map(Math.abs);
  if (defined.length === 0) return { median: NaN, p90: NaN, count: 0 };
  return { median: quantile(defined, 0.5), p90: quantile(defined, 0.9), count: defined.length };
}
