// Step 5 (TypeScript half): writes the trained family's GGUF files through the project's own
// writer (server/gguf) and the manifest, from the plan scripts/train/export.py wrote.
// Usage: node --import tsx scripts/train/writeFamily.ts PLAN.json OUT_DIR
import { createHash } from "node:crypto";
import { readFile, stat, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeLlamaGguf, type BpeTokenizer } from "../../server/modelFiles/llamaGguf.js";
import type { LlamaLayerWeights, LlamaWeights } from "../../server/modelFiles/llamaWeights.js";
import { MANIFEST_FILE_NAME, ModelManifestSchema, TRAINED_FAMILY_VERSION, type ModelEntry } from "../../server/modelFiles/modelManifest.js";
import { validateModelFile } from "../../server/modelFiles/modelFileValidation.js";

const TokenizerSchema = z.object({
  tokens: z.array(z.string()),
  types: z.array(z.number().int()),
  merges: z.array(z.string()),
  eos: z.number().int(),
  fimPrefix: z.number().int(),
  fimSuffix: z.number().int(),
  fimMiddle: z.number().int(),
});
const PlanSchema = z.object({
  tokenizers: z.record(z.string(), TokenizerSchema),
  models: z.array(
    z.object({
      id: z.string(),
      role: z.enum(["target", "drafter"]),
      quantization: z.enum(["F32", "F16", "Q8_0"]),
      derivation: z.string(),
      tokenizer: z.string(),
      architecture: z.object({ vocab: z.number(), width: z.number(), layers: z.number(), heads: z.number(), feed_forward: z.number(), context: z.number() }),
      weights: z.string(),
      layout: z.record(z.string(), z.tuple([z.number(), z.number()])),
      training: ModelManifestSchema.shape.models.element.shape.training.unwrap(),
    }),
  ),
});

async function main(planPath: string, outDir: string): Promise<void> {
  const plan = PlanSchema.parse(JSON.parse(await readFile(planPath, "utf8")));
  await mkdir(outDir, { recursive: true });
  const entries: ModelEntry[] = [];
  for (const member of plan.models) {
    const bytes = await readFile(member.weights);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const tensor = (name: string): Float32Array => {
      const at = member.layout[name];
      if (!at) throw new Error(`${member.id}: tensor ${name} missing from the plan`);
      return all.slice(at[0], at[0] + at[1]);
    };
    const a = member.architecture;
    const layers: LlamaLayerWeights[] = Array.from({ length: a.layers }, (_, i) => ({
      attnNorm: tensor(`layers.${i}.attnNorm`),
      attnQ: tensor(`layers.${i}.attnQ`),
      attnK: tensor(`layers.${i}.attnK`),
      attnV: tensor(`layers.${i}.attnV`),
      attnOutput: tensor(`layers.${i}.attnOutput`),
      ffnNorm: tensor(`layers.${i}.ffnNorm`),
      ffnGate: tensor(`layers.${i}.ffnGate`),
      ffnUp: tensor(`layers.${i}.ffnUp`),
      ffnDown: tensor(`layers.${i}.ffnDown`),
    }));
    const weights: LlamaWeights = {
      architecture: {
        vocabularySize: a.vocab,
        embedding: a.width,
        layers: a.layers,
        heads: a.heads,
        kvHeads: a.heads,
        feedForward: a.feed_forward,
        contextLength: a.context,
      },
      tokenEmbedding: tensor("tokenEmbedding"),
      layers,
      outputNorm: tensor("outputNorm"),
      output: tensor("output"),
    };
    const tokenizer: BpeTokenizer | undefined = plan.tokenizers[member.tokenizer];
    if (!tokenizer) throw new Error(`${member.id}: tokenizer ${member.tokenizer} missing from the plan`);
    const path = `${member.id}.gguf`;
    const absolute = join(outDir, path);
    await writeLlamaGguf(absolute, weights, { name: member.id, quantization: member.quantization, vocabulary: tokenizer, derivation: member.derivation });
    await validateModelFile(absolute);
    const data = await readFile(absolute);
    entries.push({
      id: member.id,
      role: member.role,
      path,
      parameters: member.training.parameters,
      layers: a.layers,
      width: a.width,
      quantization: member.quantization,
      derivation: member.derivation,
      sha256: createHash("sha256").update(data).digest("hex"),
      bytes: (await stat(absolute)).size,
      training: member.training,
    });
    console.log(`wrote ${absolute} (${(data.length / 1e6).toFixed(1)} MB)`);
  }
  const manifest = ModelManifestSchema.parse({ generator: "configspec", version: TRAINED_FAMILY_VERSION, seed: 0, family: "trained", models: entries });
  await writeFile(join(outDir, MANIFEST_FILE_NAME), JSON.stringify(manifest, null, 2) + "\n");
}

const [planPath, outDir] = process.argv.slice(2);
if (!planPath || !outDir) {
  console.error("usage: writeFamily.ts PLAN.json OUT_DIR");
  process.exit(2);
}
main(planPath, outDir).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
