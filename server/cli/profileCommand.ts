import { loadDrafter } from "../drafter/loadDrafter.js";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { checkExactness } from "../bench/exactnessCheck.js";
import { renderConfigurationCharts } from "../charts/configurationCharts.js";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { DEFAULT_PRICE_TABLE, findPriceTable } from "../prediction/priceTables.js";
import type { NetworkDelayOptions } from "../network/delayedFetch.js";
import { DEFAULT_K_MAX, runProfile, type ProfileDrafterSpec, type ProfileRunResult } from "../profiler/profileRunner.js";
import type { Profile } from "../profile/profileSchema.js";
import { InvalidProfileError, readProfile, writeProfile } from "../profiler/profileStore.js";
import { calibrationText, missingTermNotes, workloadTermsText } from "../profiler/workloadTermsText.js";
import { selectConfigurations, type Selection } from "../selector/selectConfiguration.js";
import type { CliCommand } from "./cliCommand.js";
import { bestKText, configurationTable, drafterSummary, picksText } from "./configurationTable.js";
import { absoluteDrafterUri, drafterIdOf } from "../drafter/drafterSpec.js";
import { drafterSpecsOf, embeddedVerifierIdentity, familyModels, startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { UsageError } from "./usageError.js";
import { apiKeyFromFlags, MODELS_DIR_FLAG, modelsDirFromFlags, VERIFIER_ENDPOINT_FLAGS, VERIFIER_ENDPOINT_USAGE, type VerifierEndpointFlags } from "./verifierFlags.js";

export const DEFAULT_PROFILE_FILE = "configspec-profile.json";
const EXACTNESS_SEED = 20261206;

/** Tags of the emulation in a profile's verifier identity, so `validate` re-creates the same conditions. */
const STEP_TAG = "#step-ms=";
const RTT_TAG = "#emulated-rtt=";

/** The emulated verifier step and network delay a profile was measured with (from its validity key). */
export function emulationOf(verifierIdentity: string): { stepDelayMs: number; networkDelay: NetworkDelayOptions | undefined } {
  const step = new RegExp(`${STEP_TAG}(\\d+)`).exec(verifierIdentity);
  const rtt = new RegExp(`${RTT_TAG}(\\d+)±(\\d+)`).exec(verifierIdentity);
  return { stepDelayMs: step ? Number(step[1]) : 0, networkDelay: rtt ? { rttMs: Number(rtt[1]), jitterMs: Number(rtt[2]) } : undefined };
}

export interface ProfileTarget {
  /** Emulated extra latency per verifier forward pass (embedded verifier only). */
  stepDelayMs?: number;
  drafters: ProfileDrafterSpec[];
  verifier: { baseUrl: string; model: string; apiKey?: string };
  verifierIdentity: string;
  close(): Promise<void>;
}

export interface ProfileAndSelect {
  run: ProfileRunResult;
  profile: Profile;
  selection: Selection;
  chartFiles: string[];
}

/** Profiles (or reuses a still-valid profile at `out`), writes it and its charts, and selects over it. */
export async function profileAndSelect(options: {
  target: ProfileTarget;
  out: string;
  corpusDir?: string;
  networkDelay?: NetworkDelayOptions;
  force?: boolean;
  prompts?: number;
  rounds?: number;
  kMax?: number;
  log: (line: string) => void;
}): Promise<ProfileAndSelect> {
  const { target, log } = options;
  let previous: Profile | undefined;
  if (!options.force && existsSync(options.out)) {
    try {
      previous = await readProfile(options.out);
    } catch (error) {
      if (!(error instanceof InvalidProfileError)) throw error;
      log(`ignoring ${options.out}: ${error.reason}`);
    }
  }
  let lastPhase = "";
  const run = await runProfile({
    drafters: target.drafters,
    verifier: target.verifier,
    // An emulated delay changes every timing: it is part of what the profile was measured for.
    verifierIdentity: options.networkDelay ? `${target.verifierIdentity}${RTT_TAG}${options.networkDelay.rttMs}±${options.networkDelay.jitterMs ?? 0}` : target.verifierIdentity,
    networkDelay: options.networkDelay,
    prices: findPriceTable(target.verifier.model) ?? DEFAULT_PRICE_TABLE,
    corpusDir: options.corpusDir,
    calibrationPrompts: options.prompts,
    roundsPerPrompt: options.rounds,
    kMax: options.kMax ?? DEFAULT_K_MAX,
    previous,
    onProgress: (p) => {
      if (p.phase !== lastPhase || p.phase === "load") log(`[${p.percentage.toFixed(0).padStart(3)}%] ${p.message}`);
      lastPhase = p.phase;
    },
  });
  await mkdir(dirname(options.out), { recursive: true });
  const profile = run.reused === "all" ? (previous as Profile) : await writeProfile(options.out, run.profile);
  const selection = selectConfigurations(profile);
  const charts = await renderConfigurationCharts(selection);
  const base = options.out.replace(/\.json$/i, "");
  const chartFiles = Object.entries(charts).map(([name]) => `${base}.${name}.svg`);
  await Promise.all(Object.entries(charts).map(([name, svg]) => writeFile(`${base}.${name}.svg`, svg)));
  return { run, profile, selection, chartFiles };
}

/** Drafters and verifier from flags; the model family (bundled trained by default) and an embedded verifier for what is not given. */
export async function profileTargetFromFlags(
  flags: VerifierEndpointFlags & { drafters?: string; models?: string; "step-ms"?: string },
  log: (line: string) => void,
): Promise<ProfileTarget> {
  const stepDelayMs = integerFlag(flags["step-ms"], "step-ms", { fallback: 0 });
  const drafterPaths = flags.drafters?.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const needFamily = drafterPaths === undefined || flags["verifier-url"] === undefined;
  const family = needFamily ? await familyModels(modelsDirFromFlags(flags), log) : undefined;
  const drafters = drafterPaths
    ? drafterPaths.map((p) => ({ id: drafterIdOf(p), path: absoluteDrafterUri(p) }))
    : drafterSpecsOf(family!);
  if (flags["verifier-url"] !== undefined) {
    const model = flags["verifier-model"];
    if (!model) throw new UsageError("--verifier-url needs --verifier-model");
    // The key comes from the environment, never from a flag: flags end up in shell history and `ps`.
    const apiKey = apiKeyFromFlags(flags);
    return { drafters, verifier: { baseUrl: flags["verifier-url"], model, apiKey }, verifierIdentity: flags["verifier-url"], close: async () => {} };
  }
  if (stepDelayMs > 0 && flags["verifier-url"] !== undefined) throw new UsageError("--step-ms emulates a larger model in the embedded verifier; it cannot slow down --verifier-url");
  log(`starting the embedded verifier (${family!.target.id}${stepDelayMs > 0 ? `, +${stepDelayMs} ms emulated per forward pass` : ""})`);
  const server = await startFamilyVerifierProcess(family!.target, { stepDelayMs });
  // The emulated step changes every verifier timing: it is part of what a profile was measured for.
  const identity = embeddedVerifierIdentity(family!.target) + (stepDelayMs > 0 ? `${STEP_TAG}${stepDelayMs}` : "");
  return { drafters, verifier: { baseUrl: server.url, model: server.modelId }, verifierIdentity: identity, stepDelayMs, close: () => server.close() };
}

/** "; emulated: …" label for what was emulated, or "". */
export function emulationText(stepDelayMs: number | undefined, networkDelay: NetworkDelayOptions | undefined): string {
  const parts = [
    ...(stepDelayMs ? [`a larger verifier, +${stepDelayMs} ms per forward pass`] : []),
    ...(networkDelay ? [`network RTT +${networkDelay.rttMs} ms${networkDelay.jitterMs ? ` ±${networkDelay.jitterMs}` : ""}`] : []),
  ];
  return parts.length > 0 ? `; EMULATED: ${parts.join(", ")}` : "";
}

export function networkDelayFromFlags(flags: { "rtt-ms"?: string; "jitter-ms"?: string }): NetworkDelayOptions | undefined {
  const rttMs = integerFlag(flags["rtt-ms"], "rtt-ms", { fallback: 0 });
  const jitterMs = integerFlag(flags["jitter-ms"], "jitter-ms", { fallback: 0 });
  return rttMs > 0 || jitterMs > 0 ? { rttMs, jitterMs } : undefined;
}

export const profileCommand: CliCommand = {
  name: "profile",
  summary: "profile drafters × K × threads against a verifier; print the configuration space and the pick per objective",
  usage:
    "usage: configspec profile [--drafters P1,P2,...] " + VERIFIER_ENDPOINT_USAGE + "\n" +
    "                          [--corpus DIR] [--out FILE] [--json] [--rtt-ms N] [--jitter-ms N] [--force]\n" +
    "                          [--prompts N] [--rounds N] [--k-max N] [--models DIR] [--step-ms N] [--what-if-rtt MS]\n" +
    "       without --drafters and --verifier-url: the trained family in assets/models (or --models DIR; a folder without a family gets the generated one)\n" +
    "       against an embedded verifier; --step-ms makes it emulate a larger model (N ms more per forward pass);\n" +
    "       --rtt-ms emulates a network round trip; --what-if-rtt also prints the model's picks at another RTT;\n" +
    "       --force ignores a still-valid profile",
  async run(argv) {
    const flags = parseFlags(argv, {
      drafters: { type: "string" },
      ...VERIFIER_ENDPOINT_FLAGS,
      ...MODELS_DIR_FLAG,
      corpus: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      "rtt-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      force: { type: "boolean" },
      prompts: { type: "string" },
      rounds: { type: "string" },
      "k-max": { type: "string" },
      "step-ms": { type: "string" },
      "what-if-rtt": { type: "string" },
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const out = resolve(flags.out ?? DEFAULT_PROFILE_FILE);
    const target = await profileTargetFromFlags(flags, log);
    try {
      const result = await profileAndSelect({
        target,
        out,
        corpusDir: flags.corpus,
        networkDelay: networkDelayFromFlags(flags),
        force: flags.force,
        prompts: flags.prompts === undefined ? undefined : integerFlag(flags.prompts, "prompts", { min: 1 }),
        rounds: flags.rounds === undefined ? undefined : integerFlag(flags.rounds, "rounds", { min: 2 }),
        kMax: flags["k-max"] === undefined ? undefined : integerFlag(flags["k-max"], "k-max", { min: 1 }),
        log,
      });
      const { run, profile, selection } = result;
      if (flags.json) {
        const picks = Object.fromEntries(Object.entries(selection.picks).map(([o, p]) => [o, { configuration: p.choice.configuration, label: p.choice.label, value: p.value, explanation: p.explanation }]));
        process.stdout.write(`${JSON.stringify({ profileFile: out, charts: result.chartFiles, wallMs: run.wallMs, reused: run.reused, picks, profile })}\n`);
        return 0;
      }
      const exactness = flags["verifier-url"] === undefined ? [] : await exactnessLines(target, flags.corpus, log);
      const reused = run.reused === "all" ? " (still valid: reused; --force to measure again)" : run.reused.length > 0 ? ` (reused: ${run.reused.join(", ")})` : "";
      process.stdout.write(
        [
          `profiled in ${(run.wallMs / 1000).toFixed(1)} s${reused}; ${calibrationText(profile)}` + emulationText(target.stepDelayMs, networkDelayFromFlags(flags)),
          ...workloadTermsText(profile),
          ...missingTermNotes(profile),
          ...run.notes,
          ...exactness,
          "",
          drafterSummary(profile),
          "",
          configurationTable(selection),
          "",
          picksText(selection),
          `K* per drafter (latency): ${bestKText(selection)}`,
          ...whatIf(profile, flags["what-if-rtt"]),
          "",
          `profile: ${out}`,
          `charts: ${result.chartFiles.join(", ")}`,
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await target.close();
    }
  },
};

/** The model's picks and K* with the round trip replaced (a prediction, not a measurement). */
function whatIf(profile: Profile, rtt: string | undefined): string[] {
  if (rtt === undefined) return [];
  const rttMs = integerFlag(rtt, "what-if-rtt");
  const selection = selectConfigurations(profile, { conditions: { rttMs } });
  return ["", `what if the round trip were ${rttMs} ms (model prediction from this profile):`, picksText(selection), `K* per drafter (latency): ${bestKText(selection)}`];
}

/** Prompts of the endpoint's exactness check, and the K it compares with verifier-only. */
const EXACTNESS_PROMPTS = 3;
const EXACTNESS_KS = [1, 4];
const EXACTNESS_MAX_TOKENS = 24;

/**
 * An endpoint the user runs may not be batch-invariant: speculation there can differ from what it
 * answers alone at near-ties. Compare both on a few prompts and warn when they differ.
 */
async function exactnessLines(target: ProfileTarget, corpusDir: string | undefined, log: (line: string) => void): Promise<string[]> {
  log(`checking that speculation equals verifier-only on ${target.verifier.baseUrl} (${EXACTNESS_PROMPTS} prompts, K ${EXACTNESS_KS.join("/")})`);
  const client = new VerifierClient({ baseUrl: target.verifier.baseUrl, model: target.verifier.model, apiKey: target.verifier.apiKey });
  const drafters: Drafter[] = [];
  try {
    for (const spec of target.drafters) drafters.push(await loadDrafter({ id: spec.id, uriOrPath: spec.path }));
    const prompts = cutCompletionPrompts(await readCorpus(corpusDir ?? bundledCorpusDir()), EXACTNESS_PROMPTS, EXACTNESS_SEED);
    const result = await checkExactness({ client, drafters, prompts, ks: EXACTNESS_KS, maxTokens: EXACTNESS_MAX_TOKENS });
    const skipped = result.unverifiable.map((u) => `${u.drafterId}: ${u.error}`);
    if (result.mismatches.length === 0) return [`exact: ${result.compared} speculative completions equal verifier-only on this endpoint`, ...skipped];
    return [
      `WARNING: this endpoint is not exact as set up: ${result.mismatches.length} of ${result.compared} speculative completions differ from what it answers alone (an engine that is not batch-invariant flips near-ties; see README, "Verifier protocols and engines")`,
      ...result.mismatches.slice(0, 5).map((line) => `  ${line}`),
      ...skipped,
    ];
  } finally {
    for (const drafter of drafters) await drafter.dispose();
    await client.dispose();
  }
}
