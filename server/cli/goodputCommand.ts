import { loadDrafter } from "../drafter/loadDrafter.js";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import { goodputMarkdown, measureGoodputTable } from "../bench/goodputTable.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import type { CliCommand } from "./cliCommand.js";
import { familyModels, startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { UsageError } from "./usageError.js";
import { MODELS_DIR_FLAG, modelsDirFromFlags } from "./verifierFlags.js";

const DEFAULT_PROMPTS = 16;
const DEFAULT_MAX_TOKENS = 48;
const DEFAULT_KS = [1, 2, 4, 8];
const PROMPT_SEED = 31;

export const goodputCommand: CliCommand = {
  name: "goodput",
  summary: "measure acceptance, tokens per round and goodput of every generated drafter × K against the embedded verifier, next to verifier-only",
  usage: "usage: configspec goodput [--models DIR] [--prompts N] [--max-tokens M] [--ks 1,2,4,8] [--rtt-ms R] [--step-ms S] [--corpus DIR] [--cold] [--json]\n       --step-ms emulates a larger verifier: S ms more per forward pass;\n       --cold times each prompt's first evaluation too (default: prompt already cached, as while typing in a file)",
  async run(argv) {
    const flags = parseFlags(argv, {
      ...MODELS_DIR_FLAG,
      prompts: { type: "string" },
      "max-tokens": { type: "string" },
      ks: { type: "string" },
      "rtt-ms": { type: "string" },
      "step-ms": { type: "string" },
      corpus: { type: "string" },
      json: { type: "boolean" },
      cold: { type: "boolean" },
    });
    const ks = flags.ks === undefined ? DEFAULT_KS : flags.ks.split(",").map((k) => integerFlag(k.trim(), "ks", { min: 1 }));
    if (ks.length === 0) throw new UsageError("--ks expects a comma-separated list of K ≥ 1");
    const promptCount = integerFlag(flags.prompts, "prompts", { min: 1, fallback: DEFAULT_PROMPTS });
    const maxTokens = integerFlag(flags["max-tokens"], "max-tokens", { min: 1, fallback: DEFAULT_MAX_TOKENS });
    const rttMs = integerFlag(flags["rtt-ms"], "rtt-ms", { fallback: 0 });
    const stepDelayMs = integerFlag(flags["step-ms"], "step-ms", { fallback: 0 });
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const { target, drafters: entries } = await familyModels(modelsDirFromFlags(flags), log);
    const prompts = cutCompletionPrompts(await readCorpus(flags.corpus ?? bundledCorpusDir()), promptCount, PROMPT_SEED);
    // The verifier runs in its own process, as a remote one would: no shared event loop or cores' bookkeeping.
    await using verifier = await startFamilyVerifierProcess(target, { stepDelayMs });
    const client = new VerifierClient({
      baseUrl: verifier.url,
      model: verifier.modelId,
      networkDelay: rttMs > 0 ? { rttMs } : undefined,
    });
    const drafters: Drafter[] = [];
    try {
      for (const entry of entries) drafters.push(await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath }));
      const rows = await measureGoodputTable({ drafters, client, prompts, ks, maxTokens, warm: !flags.cold, onProgress: (m) => log(`measuring ${m}`) });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ prompts: promptCount, maxTokens, rttMs, stepDelayMs, warm: !flags.cold, rows }, null, 2) + "\n");
      } else {
        process.stdout.write(`${promptCount} prompts from the corpus, up to ${maxTokens} tokens each, RTT ${rttMs} ms, ${flags.cold ? "cold" : "warm"} prompts, embedded verifier ${target.id}` + (stepDelayMs > 0 ? ` + ${stepDelayMs} ms emulated per forward pass` : "") + "\n\n");
        process.stdout.write(goodputMarkdown(rows) + "\n");
      }
      return rows.every((row) => row.exact) ? 0 : 1;
    } finally {
      client.dispose();
      for (const drafter of drafters) await drafter.dispose();
    }
  },
};
