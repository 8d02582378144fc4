import { dirname, resolve } from "node:path";
import { readModelManifest, MANIFEST_FILE_NAME } from "../modelFiles/modelManifest.js";
import { calibrationCuts, DEFAULT_VALIDATION_SEED } from "../profiler/calibrationPrompts.js";
import { PowerMeter } from "../profiler/power/powerMeter.js";
import { readProfile } from "../profiler/profileStore.js";
import { validateProfile, VALIDATED_METRICS, type ValidationResult } from "../bench/profileValidation.js";
import { enumerateConfigurations } from "../selector/configurationSpace.js";
import { formatNumber } from "../selector/objective.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import type { CliCommand } from "./cliCommand.js";
import { startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags, requireFlag } from "./parseFlags.js";
import { emulationOf, emulationText, networkDelayFromFlags } from "./profileCommand.js";
import { UsageError } from "./usageError.js";

/** Held-back prompts per configuration: one per file of the bundled corpus, the same mix of languages the calibration set covers (acceptance differs a lot between files). */
export const DEFAULT_VALIDATION_PROMPTS = 8;
/** The performance model's accuracy targets: |relative error| of predicted vs measured goodput, cost and energy (median and p90 over the configurations). */
export const TARGET_MEDIAN_ERROR = 0.1;
export const TARGET_P90_ERROR = 0.25;

const METRIC_NAMES = { goodput: "goodput", usdPerToken: "cost", joulesPerToken: "energy" } as const;

export const validateCommand: CliCommand = {
  name: "validate",
  summary: "run every configuration of a profile for real on held-back prompts; print predicted vs measured goodput, cost, energy",
  usage:
    "usage: configspec validate --profile FILE [--json] [--prompts N] [--max-tokens M] [--threads 1|all] [--no-unverified]\n" +
    "                           [--verifier-url URL --verifier-model NAME [--api-key-env VAR]] [--rtt-ms N] [--corpus DIR]\n" +
    "       without --verifier-url, the generated family's target is served again (the profile's drafters' folder);\n" +
    "       an emulated step (--step-ms) and network delay (--rtt-ms) the profile was measured with are applied again",
  async run(argv) {
    const flags = parseFlags(argv, {
      profile: { type: "string" },
      json: { type: "boolean" },
      prompts: { type: "string" },
      "max-tokens": { type: "string" },
      threads: { type: "string" },
      "no-unverified": { type: "boolean" },
      "verifier-url": { type: "string" },
      "verifier-model": { type: "string" },
      "api-key-env": { type: "string" },
      "rtt-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      corpus: { type: "string" },
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const profile = await readProfile(resolve(requireFlag(flags.profile, "profile")));
    const prompts = integerFlag(flags.prompts, "prompts", { min: 1, fallback: DEFAULT_VALIDATION_PROMPTS });
    const maxTokens = integerFlag(flags["max-tokens"], "max-tokens", { min: 2, fallback: 64 });
    if (flags.threads !== undefined && flags.threads !== "1" && flags.threads !== "all") throw new UsageError(`--threads expects 1 or all, got ${JSON.stringify(flags.threads)}`);
    const configurations = enumerateConfigurations(profile, { allowUnverified: !flags["no-unverified"] }).filter((c) => flags.threads !== "1" || c.threads === 1);

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
        throw new UsageError(`no --verifier-url, and no generated family next to the profile's drafters (${manifestPath})`);
      });
      const target = models.find((m) => m.role === "target" && m.id === profile.verifier.model);
      if (!target) throw new UsageError(`no --verifier-url, and ${manifestPath} has no target ${profile.verifier.model}`);
      log(`starting the embedded verifier (${target.id})`);
      const server = await startFamilyVerifierProcess(target, { stepDelayMs: emulation.stepDelayMs });
      baseUrl = server.url;
      model = server.modelId;
      close = () => server.close();
    }
    const apiKey = flags["api-key-env"] ? process.env[flags["api-key-env"]] : undefined;
    const client = new VerifierClient({ baseUrl, model, apiKey, networkDelay });
    const meter = await PowerMeter.detect();
    try {
      const { cuts, source } = await calibrationCuts({ corpusDir: flags.corpus, count: prompts, seed: DEFAULT_VALIDATION_SEED });
      log(`validating ${configurations.length} configurations on ${cuts.length} held-back prompts from ${source} (seed ${DEFAULT_VALIDATION_SEED})`);
      let lastLogged = -1;
      const result = await validateProfile({
        profile,
        client,
        cuts,
        maxTokens,
        configurations,
        meter,
        onProgress: (done, total, label) => {
          const percent = Math.floor((100 * done) / total / 10) * 10;
          if (percent !== lastLogged) log(`[${String(percent).padStart(3)}%] ${label}`);
          lastLogged = percent;
        },
      });
      process.stdout.write(flags.json ? `${JSON.stringify(jsonReport(result))}\n` : `${textReport(result, meter.label)}\n`);
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
  return [
    `${result.rows.length} configurations × ${result.rows[0]?.completions ?? 0} completions of ≤${result.maxTokens} tokens, mean prompt ${result.promptTokens} tokens, in ${(result.wallMs / 1000).toFixed(0)} s; energy from ${powerLabel}`,
    "| configuration | goodput pred | meas | err | $/1k tok pred | meas | err | mJ/tok pred | meas | err | tokens/round pred / meas |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...summary,
  ].join("\n");
}

function jsonReport(result: ValidationResult) {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    promptTokens: result.promptTokens,
    maxTokens: result.maxTokens,
    wallMs: result.wallMs,
    summary: Object.fromEntries(VALIDATED_METRICS.map((m) => [METRIC_NAMES[m], { median: finite(result.summary[m].median), p90: finite(result.summary[m].p90), count: result.summary[m].count }])),
    rows: result.rows.map((r) => ({
      configuration: r.configuration,
      label: r.label,
      completions: r.completions,
      tokens: r.tokens,
      predicted: mapFinite(r.predicted),
      measured: mapFinite(r.measured),
      relativeError: mapFinite(r.relativeError),
    })),
  };
}

function mapFinite(figures: object): Record<string, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, typeof v === "number" && Number.isFinite(v) ? v : null]));
}
