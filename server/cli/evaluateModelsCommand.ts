import { resolve } from "node:path";
import { bundledCorpusDir, readCorpus } from "../corpus/codeCorpus.js";
import { DEFAULT_POSITIONS, evaluateFamily, heldOutFiles, MIN_LINE_CHARACTERS, type FamilyEvaluation } from "../modelFiles/familyEvaluation.js";
import type { CliCommand } from "./cliCommand.js";
import { familyModels } from "./familySetup.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { MODELS_DIR_FLAG, MODELS_DIR_USAGE, modelsDirFromFlags } from "./verifierFlags.js";

function report(result: FamilyEvaluation): string {
  const lines: string[] = [];
  lines.push(`held-out files: ${result.files.length} (${result.excludedAsTrainingFiles} skipped: in the corpus manifest)`);
  lines.push("");
  lines.push("| model | role | loads | held-out loss (nats/token) | nats/character | tokens scored | characters |");
  lines.push("|---|---|---|---|---|---|---|");
  for (const m of result.models) {
    lines.push(`| ${m.id} | ${m.role} | ${m.loads ? "yes" : "NO"} | ${m.heldoutLoss.toFixed(3)} | ${m.heldoutLossPerCharacter.toFixed(3)} | ${m.heldoutTokens} | ${m.heldoutCharacters} |`);
  }
  lines.push("");
  const n = result.nextLine;
  lines.push(
    `verifier-only next line (cursor at the first non-space character of lines with ≥ ${MIN_LINE_CHARACTERS} non-space characters, ${n.positions} seeded positions): ` +
      `exact match ${(100 * n.exactMatch).toFixed(1)}% (${Math.round(n.exactMatch * n.positions)} of ${n.positions}), mean matched characters ${n.meanMatchedCharacters.toFixed(2)} of ${n.meanExpectedCharacters.toFixed(1)}; target ${result.targetMsPerToken.toFixed(2)} ms/token`,
  );
  lines.push("");
  const ks = Object.keys(result.drafters[0]?.acceptance ?? {}).map(Number);
  lines.push(`| drafter | tokenizer | ${ks.map((k) => `K=${k}`).join(" | ")} | ms/token |`);
  lines.push(`|---|---|${ks.map(() => "---").join("|")}|---|`);
  for (const d of result.drafters) lines.push(`| ${d.id} | ${d.sameTokenizer ? "shared (ids)" : "other (text)"} | ${ks.map((k) => d.acceptance[k].toFixed(2)).join(" | ")} | ${d.msPerToken.toFixed(2)} |`);
  lines.push("");
  lines.push("accepted / drafted per K, against the target's greedy continuations (48 tokens) at the first 60 positions");
  lines.push("");
  lines.push(`verifier-only completions at ${result.samples.length} of the positions, as they are, and the ghost text the daemon shows of each (its stop rules applied):`);
  for (const s of result.samples) {
    lines.push(`- ${s.file}:${s.line}  expected: ${JSON.stringify(s.expected)}`);
    lines.push(`  completion: ${JSON.stringify(s.completion)}`);
    lines.push(`  ghost text: ${JSON.stringify(s.ghostText)}`);
  }
  return lines.join("\n");
}

export const evaluateModelsCommand: CliCommand = {
  name: "evaluate-models",
  summary: "measure a model family on code it never saw: held-out loss, next-line match, drafter acceptance",
  usage: `usage: configspec evaluate-models [--corpus DIR] ${MODELS_DIR_USAGE} [--positions N] [--seed N] [--samples N] [--json]\n` +
    "       default: the bundled family (assets/models) on corpus/, minus any file listed in the family's corpus-manifest.json",
  async run(argv) {
    const flags = parseFlags(argv, {
      corpus: { type: "string" },
      ...MODELS_DIR_FLAG,
      positions: { type: "string" },
      seed: { type: "string" },
      samples: { type: "string" },
      json: { type: "boolean" },
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const familyDir = resolve(modelsDirFromFlags(flags));
    const { target, drafters } = await familyModels(familyDir, log);
    const corpus = await readCorpus(resolve(flags.corpus ?? bundledCorpusDir()), 2000);
    const { files, excluded } = heldOutFiles(corpus, familyDir);
    if (files.length === 0) throw new Error("every corpus file is in the family's training manifest: pass --corpus DIR with code it never saw");
    const measured = await evaluateFamily(target, drafters, files, {
      positions: integerFlag(flags.positions, "positions", { min: 1, fallback: DEFAULT_POSITIONS }),
      seed: integerFlag(flags.seed, "seed", { fallback: 1 }),
      samples: integerFlag(flags.samples, "samples", { fallback: 10 }),
      log,
    });
    const result: FamilyEvaluation = { files: files.map((f) => f.relativePath), excludedAsTrainingFiles: excluded, ...measured };
    process.stdout.write((flags.json ? JSON.stringify(result, null, 2) : report(result)) + "\n");
    return 0;
  },
};
