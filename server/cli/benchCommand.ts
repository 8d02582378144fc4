import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { benchCondition, fullConditions } from "../bench/benchConditions.js";
import { renderBenchCharts } from "../bench/benchCharts.js";
import { benchMarkdown } from "../bench/benchReport.js";
import { BenchResultSchema, type BenchResult } from "../bench/benchSchema.js";
import { runBench, type BenchPlan } from "../bench/runBench.js";
import type { CliCommand } from "./cliCommand.js";
import { familyModels, startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { UsageError } from "./usageError.js";
import { MODELS_DIR_FLAG, modelsDirFromFlags, VERIFIER_ENDPOINT_FLAGS } from "./verifierFlags.js";

export const DEFAULT_BENCH_DIR = "bench/results";

/** The full bench: RTT 0/25/100 ms × the verifier as-is and emulating a large model. */
export function fullPlan(): BenchPlan {
  return {
    smoke: false,
    conditions: fullConditions(),
    prompts: 4,
    maxTokens: 24,
    passes: 3,
    gridKs: [1, 2, 4, 8],
    kMax: 8,
    profilePrompts: 4,
    profileRounds: 4,
    peerPasses: 3,
  };
}

/** CI's smoke test: a few prompts, one condition, well under 3 minutes. */
export function smokePlan(): BenchPlan {
  return {
    smoke: true,
    conditions: [benchCondition(25, 0)],
    prompts: 2,
    maxTokens: 16,
    passes: 2,
    gridKs: [1, 4],
    kMax: 4,
    profilePrompts: 3,
    profileRounds: 3,
    peerPasses: 1,
  };
}

/** `2026-11-29T10-31-02Z`: sortable, and valid in every file system. */
function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
}

export const benchCommand: CliCommand = {
  name: "bench",
  summary: "benchmark verifier-only, drafter-only, the popular default, the picks and the oracle under RTT 0/25/100 ms; write JSON + Markdown with charts",
  usage:
    "usage: configspec bench [--smoke] [--out DIR] [--corpus DIR] [--models DIR] [--prompts N] [--max-tokens M] [--passes N]\n" +
    "                        [--verifier-url URL --verifier-model NAME]   a running engine (llama-server, vLLM) serving the family's target;\n" +
    "                        its speed is what it is, so only the as-is conditions run\n" +
    "       configspec bench --from RESULT.json   re-render the Markdown report and charts of a result (nothing measured)",
  async run(argv) {
    const flags = parseFlags(argv, {
      smoke: { type: "boolean" },
      out: { type: "string" },
      corpus: { type: "string" },
      ...MODELS_DIR_FLAG,
      "verifier-url": VERIFIER_ENDPOINT_FLAGS["verifier-url"],
      "verifier-model": VERIFIER_ENDPOINT_FLAGS["verifier-model"],
      prompts: { type: "string" },
      "max-tokens": { type: "string" },
      passes: { type: "string" },
      from: { type: "string" },
    });
    const started = performance.now();
    const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
    const base = flags.smoke ? smokePlan() : fullPlan();
    const engineUrl = flags["verifier-url"];
    if (engineUrl !== undefined && !flags["verifier-model"]) throw new UsageError("--verifier-url needs --verifier-model");
    const plan: BenchPlan = {
      ...base,
      // A running engine cannot be slowed down to emulate a larger model.
      conditions: engineUrl === undefined ? base.conditions : base.conditions.filter((c) => c.stepMs === 0),
      prompts: integerFlag(flags.prompts, "prompts", { min: 1, fallback: base.prompts }),
      maxTokens: integerFlag(flags["max-tokens"], "max-tokens", { min: 2, fallback: base.maxTokens }),
      passes: integerFlag(flags.passes, "passes", { min: 1, fallback: base.passes }),
    };
    if (flags.from !== undefined) {
      const file = resolve(flags.from);
      const result = BenchResultSchema.parse(JSON.parse(await readFile(file, "utf8")));
      const markdown = await writeReport(result, dirname(file), basename(file).replace(/\.json$/i, ""));
      process.stdout.write(`${markdown.split("\n## ")[0]}\n\nreport: ${file.replace(/\.json$/i, ".md")}\n`);
      return 0;
    }
    const { target, drafters } = await familyModels(modelsDirFromFlags(flags), log);
    const result = await runBench({
      plan,
      target,
      drafters,
      corpusDir: flags.corpus === undefined ? undefined : resolve(flags.corpus),
      log,
      startVerifier: (model, stepMs) =>
        engineUrl === undefined
          ? startFamilyVerifierProcess(model, { stepDelayMs: stepMs })
          : Promise.resolve({ url: engineUrl, modelId: flags["verifier-model"]!, identity: engineUrl, [Symbol.asyncDispose]: async () => {} }),
    });
    const dir = resolve(flags.out ?? DEFAULT_BENCH_DIR);
    const name = `${stamp(new Date(result.createdAt))}${plan.smoke ? "-smoke" : ""}`;
    await mkdir(dir, { recursive: true });
    const jsonFile = join(dir, `${name}.json`);
    await writeFile(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    const markdown = await writeReport(result, dir, name);
    process.stdout.write(`${markdown.split("\n## ")[0]}\n\nresults: ${jsonFile}\nreport: ${join(dir, `${name}.md`)}\n`);
    return 0;
  },
};

/** Writes `<name>.md` and its charts `<name>.<chart>.svg` into `dir`; returns the Markdown. */
async function writeReport(result: BenchResult, dir: string, name: string): Promise<string> {
  const charts = await renderBenchCharts(result);
  const files: { title: string; file: string }[] = [];
  for (const chart of charts) {
    const file = `${name}.${chart.id}.svg`;
    await writeFile(join(dir, file), chart.svg);
    files.push({ title: chart.title, file });
  }
  const markdown = benchMarkdown(result, files);
  await writeFile(join(dir, `${name}.md`), markdown);
  return markdown;
}
