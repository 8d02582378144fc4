import { dirname, resolve } from "node:path";
import { readModelManifest, MANIFEST_FILE_NAME } from "../modelFiles/modelManifest.js";
import { calibrationCuts, DEFAULT_VALIDATION_SEED } from "../profiler/calibrationPrompts.js";
import { PowerMeter } from "../profiler/power/powerMeter.js";
import { readProfile } from "../profiler/profileStore.js";
import { calibrationText, missingTermNotes } from "../profiler/workloadTermsText.js";
import { validateProfile, VALIDATED_METRICS, type ValidationResult } from "../bench/profileValidation.js";
import { DEFAULT_SAMPLE_SEED, DEFAULT_VALIDATION_BUDGET_MS, planValidation, type PlanReason } from "../bench/validationPlan.js";
import { decompositionGroups, decompositionText } from "../bench/decompositionReport.js";
import type { CompletionCut } from "../corpus/codeCorpus.js";
import { DEFAULT_MAX_PREFIX_TOKENS, DEFAULT_MAX_SUFFIX_TOKENS } from "../prompt/completionPrompt.js";
import { formatNumber } from "../selector/objective.js";
import { quantile } from "../profiler/latencyStats.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import type { CliCommand } from "./cliCommand.js";
import { startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags, requireFlag } from "./parseFlags.js";
import { emulationOf, emulationText, networkDelayFromFlags } from "./profileCommand.js";
import { UsageError } from "./usageError.js";
import { apiKeyFromFlags, VERIFIER_ENDPOINT_FLAGS, VERIFIER_ENDPOINT_USAGE } from "./verifierFlags.js";

/** Held-back prompts per configuration: one per file of the bundled corpus, the same mix of languages the calibration set covers (acceptance differs a lot between files). */
export const DEFAULT_VALIDATION_PROMPTS = 8;
/** The performance model's accuracy targets: |relative error| of predicted vs measured goodput, cost and energy (median and p90 over the configurations). */
export const TARGET_MEDIAN_ERROR = 0.1;
export const TARGET_P90_ERROR = 0.25;
/** Share of measurements inside the 80% interval that says the interval is honest (neither too narrow nor too wide). */
/** Per verifier request while validating. */
const VALIDATION_TIMEOUT_MS = 60_000;
export const TARGET_COVERAGE_LOW = 0.7;
export const TARGET_COVERAGE_HIGH = 0.9;

const METRIC_NAMES = { goodput: "goodput", usdPerToken: "cost", joulesPerToken: "energy" } as const;

export const validateCommand: CliCommand = {
  name: "validate",
  summary: "run every configuration of a profile for real on held-back prompts; print predicted vs measured goodput, cost, energy",
  usage:
    "usage: configspec validate --profile FILE [--json] [--prompts N] [--max-tokens M] [--threads 1|all] [--no-unverified] [--all] [--budget-s S] [--seed N] [--no-stop-rules]\n" +
    "                           " + VERIFIER_ENDPOINT_USAGE + " [--rtt-ms N] [--corpus DIR]\n" +
    "       measures the picks, the Pareto front, the baselines and a seeded sample of the rest within --budget-s (default 240);\n" +
    "       completions end at the daemon's stop rules, predicted at the profile's measured lengths (--no-stop-rules: each runs to --max-tokens);\n" +
    "       --all measures the whole grid; without --verifier-url, the family's target is served again (from the profile's drafters' folder);\n" +
    "       an emulated step (--step-ms) and network delay (--rtt-ms) the profile was measured with are applied again",
  async run(argv) {
    const flags = parseFlags(argv, {
      profile: { type: "string" },
      json: { type: "boolean" },
      prompts: { type: "string" },
      "max-tokens": { type: "string" },
      threads: { type: "string" },
      "no-unverified": { type: "boolean" },
      ...VERIFIER_ENDPOINT_FLAGS,
      "rtt-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      corpus: { type: "string" },
      all: { type: "boolean" },
      "budget-s": { type: "string" },
      seed: { type: "string" },
      "no-stop-rules": { type: "boolean" },
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const profile = await readProfile(resolve(requireFlag(flags.profile, "profile")));
    const prompts = integerFlag(flags.prompts, "prompts", { min: 1, fallback: DEFAULT_VALIDATION_PROMPTS });
    const maxTokens = integerFlag(flags["max-tokens"], "max-tokens", { min: 2, fallback: 64 });
    if (flags.threads !== undefined && flags.threads !== "1" && flags.threads !== "all") throw new UsageError(`--threads expects 1 or all, got ${JSON.stringify(flags.threads)}`);
    const budgetS = integerFlag(flags["budget-s"], "budget-s", { min: 10, fallback: DEFAULT_VALIDATION_BUDGET_MS / 1000 });
    const sampleSeed = integerFlag(flags.seed, "seed", { min: 0, fallback: DEFAULT_SAMPLE_SEED });
    const stopRules = !flags["no-stop-rules"];
    log(`profile ${calibrationText(profile)}`);
    for (const note of missingTermNotes(profile)) log(`note: ${note}`);

    // Emulated verifier step and network delay: as the profile was measured, unless overridden.
    const emulation = emulationOf(profile.validityKey.verifierBaseUrl);
    const networkDelay = flags["rtt-ms"] !== undefined || flags["jitter-ms"] !== undefined ? networkDelayFromFlags(flags) : emulation.networkDelay;
    if (emulation.stepDelayMs > 0 || networkDelay) log(`emulating${emulationText(emulation.stepDelayMs, networkDelay).replace("; EMULATED:", "")}`);
    let close = async () => {};
    let baseUrl = flags["verifier-url"];
    let model = flags["verifier-model"] ?? profile.verifier.model;
    if (baseUrl === undefined) {
      // The profile's embedded verifier is gone with its process: serve the same target again.
      const manifestPath = resolve(dirname(profile.drafters[0]?.uri ?? "models/x"), MANIFEST_FILE_NAME);
      const { models } = await readModelManifest(manifestPath).catch(() => {
        throw new UsageError(`no --verifier-url, and no model family next to the profile's drafters (${manifestPath})`);
      });
      const target = models.find((m) => m.role === "target" && m.id === profile.verifier.model);
      if (!target) throw new UsageError(`no --verifier-url, and ${manifestPath} has no target ${profile.verifier.model}`);
      log(`starting the embedded verifier (${target.id})`);
      const server = await startFamilyVerifierProcess(target, { stepDelayMs: emulation.stepDelayMs });
      baseUrl = server.url;
      model = server.modelId;
      close = () => server.close();
    }
    const apiKey = apiKeyFromFlags(flags);
    // A cold prompt's first request (prefill with echoed logprobs) can pass the daemon's 10 s on a loaded machine: a lost run costs more than a slow one.
    const client = new VerifierClient({ baseUrl, model, apiKey, networkDelay, timeoutMs: VALIDATION_TIMEOUT_MS });
    const meter = await PowerMeter.detect();
    try {
      const { cuts, source } = await calibrationCuts({ corpusDir: flags.corpus, count: prompts, seed: DEFAULT_VALIDATION_SEED });
      const plan = planValidation(profile, {
        all: flags.all,
        allowUnverified: !flags["no-unverified"],
        threads: flags.threads === "1" ? [1] : undefined,
        prompts: cuts.length,
        maxTokens,
        stopRules,
        promptTokens: meanPromptTokens(cuts),
        budgetMs: budgetS * 1000,
        seed: sampleSeed,
      });
      const configurations = plan.configurations;
      // Verify time moves with the code: say so when the held-back prompts come from another corpus than the calibration.
      if (profile.calibration && profile.calibration.corpus !== source) log(`note: validating on ${source}, calibrated on ${profile.calibration.corpus}`);
      const counts = (reason: PlanReason) => configurations.filter((c) => c.reasons.includes(reason)).length;
      log(
        `validating ${configurations.length} of ${plan.spaceSize} configurations` +
          (flags.all ? " (--all)" : ` (${counts("pick")} picks, ${counts("pareto")} on the Pareto front, ${counts("baseline")} baselines, ${counts("sample")} sampled with seed ${sampleSeed})`) +
          ` on ${cuts.length} held-back prompts from ${source} (seed ${DEFAULT_VALIDATION_SEED}), interleaved; predicted ${(plan.predictedMs / 1000).toFixed(0)} s`,
      );
      const runStarted = performance.now();
      let lastLogged = -1;
      const result = await validateProfile({
        profile,
        client,
        cuts,
        maxTokens,
        stopRules,
        configurations,
        meter,
        onProgress: (done, total, label) => {
          const percent = Math.floor((100 * done) / total / 10) * 10;
          if (percent !== lastLogged) {
            const elapsed = (performance.now() - runStarted) / 1000;
            const eta = done > 0 ? ` (${elapsed.toFixed(0)} s, about ${((elapsed * (total - done)) / done).toFixed(0)} s left)` : "";
            log(`[${String(percent).padStart(3)}%] ${label}${eta}`);
          }
          lastLogged = percent;
        },
      });
      process.stdout.write(flags.json ? `${JSON.stringify({ ...jsonReport(result), calibration: profile.calibration ?? null, heldBack: source })}\n` : `${textReport(result, meter.label)}\n`);
      return 0;
    } finally {
      meter.dispose();
      client.dispose();
      await close();
    }
  },
};

function pct(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${(value * 100).toFixed(0)}%` : "n/a";
}

export function textReport(result: ValidationResult, powerLabel: string): string {
  const rows = result.rows.map((r) => {
    const cost = (v: number) => (v === 0 ? "0" : (v * 1000).toExponential(2));
    return (
      `| ${r.label} | ${formatNumber(r.predicted.goodput)} | ${formatNumber(r.measured.goodput)} | ${pct(r.relativeError.goodput)} ` +
      `| ${cost(r.predicted.usdPerToken)} | ${cost(r.measured.usdPerToken)} | ${pct(r.relativeError.usdPerToken)} ` +
      `| ${formatNumber(r.predicted.joulesPerToken * 1000)} | ${formatNumber(r.measured.joulesPerToken * 1000)} | ${pct(r.relativeError.joulesPerToken)} ` +
      `| ${formatNumber(r.predicted.tokensPerRound)} / ${formatNumber(r.measured.tokensPerRound)} |`
    );
  });
  const summary = VALIDATED_METRICS.map((m) => {
    const s = result.summary[m];
    const met = s.median <= TARGET_MEDIAN_ERROR && s.p90 <= TARGET_P90_ERROR ? "target met" : `target (≤${TARGET_MEDIAN_ERROR * 100}% / ≤${TARGET_P90_ERROR * 100}%) MISSED`;
    return `${METRIC_NAMES[m].padEnd(8)} |error| median ${(s.median * 100).toFixed(1)}%, p90 ${(s.p90 * 100).toFixed(1)}% over ${s.count} configurations: ${met}`;
  });
  const coverage = VALIDATED_METRICS.map((m) => {
    const c = result.coverage[m];
    if (!Number.isFinite(c.share)) return `${METRIC_NAMES[m].padEnd(8)} ${result.intervalLevel * 100}% interval: none (the profile has no bootstrap replicates; profile again)`;
    const met = c.share >= TARGET_COVERAGE_LOW && c.share <= TARGET_COVERAGE_HIGH ? "target met" : `target (${TARGET_COVERAGE_LOW * 100}–${TARGET_COVERAGE_HIGH * 100}%) MISSED`;
    return `${METRIC_NAMES[m].padEnd(8)} ${result.intervalLevel * 100}% interval covers the measurement in ${(c.share * 100).toFixed(0)}% of ${c.count} configurations: ${met}`;
  });
  const rtt = result.rttSamples.length > 0 ? `round trip during the run: median ${quantile(result.rttSamples, 0.5).toFixed(1)} ms, p90 ${quantile(result.rttSamples, 0.9).toFixed(1)} ms over ${result.rttSamples.length} probes` : "";
  return [
    ...decompositionText(result.rows),
    "",
    `${result.rows.length} configurations × ${result.rows[0]?.completions ?? 0} completions of ≤${result.maxTokens} tokens${result.stopRules ? " under the stop rules" : ""}, mean prompt ${result.promptTokens} tokens, in ${(result.wallMs / 1000).toFixed(0)} s; energy from ${powerLabel}`,
    "| configuration | goodput pred | meas | err | $/1k tok pred | meas | err | mJ/tok pred | meas | err | tokens/round pred / meas |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...summary,
    ...coverage,
    rtt,
  ].join("\n");
}

function jsonReport(result: ValidationResult) {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    promptTokens: result.promptTokens,
    maxTokens: result.maxTokens,
    stopRules: result.stopRules,
    wallMs: result.wallMs,
    summary: Object.fromEntries(VALIDATED_METRICS.map((m) => [METRIC_NAMES[m], { median: finite(result.summary[m].median), p90: finite(result.summary[m].p90), count: result.summary[m].count }])),
    coverage: Object.fromEntries(VALIDATED_METRICS.map((m) => [METRIC_NAMES[m], { share: finite(result.coverage[m].share), count: result.coverage[m].count, level: result.intervalLevel }])),
    rttSamples: result.rttSamples,
    decomposition: decompositionGroups(result.rows),
    rows: result.rows.map((r) => ({
      configuration: r.configuration,
      label: r.label,
      reasons: r.reasons,
      completions: r.completions,
      tokens: r.tokens,
      predicted: mapFinite(r.predicted),
      measured: mapFinite(r.measured),
      relativeError: mapFinite(r.relativeError),
      interval: r.interval,
      covered: r.covered,
      decomposition: {
        ...r.decomposition,
        terms: Object.fromEntries(Object.entries(r.decomposition.terms).map(([term, figures]) => [term, mapFinite(figures)])),
      },
    })),
  };
}

function mapFinite(figures: object): Record<string, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, typeof v === "number" && Number.isFinite(v) ? v : null]));
}

/** Mean prompt length in tokens, estimated (4 characters a token, the prompt window's caps) before a tokenizer is loaded: it only sizes the plan. */
function meanPromptTokens(cuts: readonly CompletionCut[]): number {
  const tokens = cuts.map((c) => Math.min(c.prefix.length / 4, DEFAULT_MAX_PREFIX_TOKENS) + Math.min(c.suffix.length / 4, DEFAULT_MAX_SUFFIX_TOKENS));
  return Math.round(tokens.reduce((a, b) => a + b, 0) / Math.max(1, tokens.length));
}
