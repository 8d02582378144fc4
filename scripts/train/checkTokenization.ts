// Step 5 check: every GGUF of a trained family loads through the project's own loader and
// header validation, and node-llama-cpp tokenizes each corpus language (and the FIM control
// tokens) to exactly the ids the trainer used. Usage: checkTokenization.ts MANIFEST SAMPLES.json
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { loadModel } from "../../server/modelFiles/modelLoader.js";
import { readModelManifest } from "../../server/modelFiles/modelManifest.js";
import { validateModelFile } from "../../server/modelFiles/modelFileValidation.js";

const SamplesSchema = z.object({
  tokenizers: z.record(z.string(), z.array(z.object({ language: z.string(), text: z.string(), ids: z.array(z.number().int()), special: z.boolean().optional() }))),
});

export interface TokenizationMismatch {
  model: string;
  language: string;
  firstDifference: number;
  expected: number[];
  actual: number[];
}

/** Returns one entry per (model, sample) whose ids differ; empty when all agree. */
export async function checkTokenization(manifestPath: string, samplesPath: string, log: (line: string) => void = () => {}): Promise<TokenizationMismatch[]> {
  const { models } = await readModelManifest(manifestPath);
  const samples = SamplesSchema.parse(JSON.parse(await readFile(samplesPath, "utf8")));
  const mismatches: TokenizationMismatch[] = [];
  for (const entry of models) {
    await validateModelFile(entry.absolutePath);
    const tokenizer = entry.training?.tokenizer;
    const rows = tokenizer ? samples.tokenizers[tokenizer] : undefined;
    if (!rows) throw new Error(`${entry.id}: no trainer samples for tokenizer ${tokenizer ?? "(none)"}`);
    const model = await loadModel(entry.absolutePath);
    try {
      for (const row of rows) {
        const actual = [...model.tokenize(row.text, row.special ?? false)].map(Number);
        const firstDifference = actual.findIndex((id, i) => id !== row.ids[i]);
        const differs = firstDifference >= 0 || actual.length !== row.ids.length;
        if (differs) {
          const at = firstDifference >= 0 ? firstDifference : Math.min(actual.length, row.ids.length);
          mismatches.push({ model: entry.id, language: row.language, firstDifference: at, expected: row.ids.slice(at, at + 8), actual: actual.slice(at, at + 8) });
        }
        log(`${entry.id} ${row.language}: ${actual.length} tokens ${differs ? "DIFFER" : "identical"}`);
      }
    } finally {
      await model.dispose();
    }
  }
  return mismatches;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [manifestPath, samplesPath] = process.argv.slice(2);
  if (!manifestPath || !samplesPath) {
    console.error("usage: checkTokenization.ts MANIFEST.json SAMPLES.json");
    process.exit(2);
  }
  checkTokenization(manifestPath, samplesPath, (line) => console.log(line))
    .then((mismatches) => {
      for (const m of mismatches) console.error(`${m.model} ${m.language}: first difference at token ${m.firstDifference}: trainer ${m.expected.join(",")} vs node-llama-cpp ${m.actual.join(",")}`);
      process.exit(mismatches.length === 0 ? 0 : 1);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
