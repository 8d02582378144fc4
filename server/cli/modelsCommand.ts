import { join, resolve } from "node:path";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus } from "../corpus/codeCorpus.js";
import { measureAlignment } from "../modelFiles/familyAlignment.js";
import { generateModelFamily } from "../modelFiles/modelFamily.js";
import { writeRealFamily } from "../modelFiles/realFamily.js";
import type { CliCommand } from "./cliCommand.js";
import { integerFlag, parseFlags, requireFlag } from "./parseFlags.js";
import { UsageError } from "./usageError.js";

export const modelsCommand: CliCommand = {
  name: "models",
  summary: "write a model family's manifest: the real pretrained target (fetched once, hash-checked) or the generated test fixture",
  usage: "usage: configspec models --out DIR [--family generated|real] [--no-hf] [--seed N] [--measure]",
  async run(argv) {
    const flags = parseFlags(argv, { out: { type: "string" }, family: { type: "string" }, "no-hf": { type: "boolean" }, seed: { type: "string" }, measure: { type: "boolean" } });
    const outDir = resolve(requireFlag(flags.out, "out"));
    const family = flags.family ?? "generated";
    if (family === "real") {
      const manifest = await writeRealFamily(outDir, { hfCheckpoint: !flags["no-hf"], log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
      return 0;
    }
    if (family !== "generated") throw new UsageError(`--family must be generated or real, not ${family}`);
    const manifest = await generateModelFamily(outDir, {
      seed: flags.seed === undefined ? undefined : integerFlag(flags.seed, "seed"),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
    if (flags.measure) {
      // Acceptance and speed against the target on prompts cut from the bundled corpus.
      const cuts = cutCompletionPrompts(await readCorpus(bundledCorpusDir()), 16, 7);
      const target = manifest.models.find((m) => m.role === "target");
      const drafters = manifest.models.filter((m) => m.role === "drafter");
      if (!target) throw new Error("the family has no target");
      const measured = await measureAlignment(
        join(outDir, target.path),
        drafters.map((d) => join(outDir, d.path)),
        cuts.map((c) => c.prefix.slice(-600)),
      );
      const rows = drafters.map((d, i) => {
        const m = measured.drafters[i];
        return `| ${d.id} | ${d.layers} | ${d.quantization} | ${m.acceptance.toFixed(3)} | ${d.expectedAcceptance?.min}–${d.expectedAcceptance?.max} | ${m.msPerToken.toFixed(2)} | ${(measured.targetMsPerToken / m.msPerToken).toFixed(2)}× |`;
      });
      process.stdout.write(
        [
          "",
          `target ${target.id}: ${measured.targetMsPerToken.toFixed(2)} ms/token (greedy decode, 1 thread)`,
          "| drafter | layers | quant | acceptance | expected | ms/token | speed vs target |",
          "|---|---|---|---|---|---|---|",
          ...rows,
          "",
        ].join("\n"),
      );
    }
    return 0;
  },
};
