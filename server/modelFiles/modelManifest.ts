import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";

/** Bumped when the generator would write different bytes: cached families are then rebuilt. */
export const MODEL_FAMILY_VERSION = 1;
/** Version of the trained family's manifest (assets/models/, written by scripts/train/). */
export const TRAINED_FAMILY_VERSION = 1;

/** How a trained member was made and how well it learned (scripts/train/). */
export const TrainingFactsSchema = z.object({
  method: z.enum(["data", "distilled", "quantised-copy"]),
  /** The tokenizer's name; members sharing it can verify by token ids. */
  tokenizer: z.string(),
  vocabularySize: z.number().int().positive(),
  parameters: z.number().int().positive(),
  tokensSeen: z.number().int().nonnegative(),
  minutes: z.number().nonnegative(),
  /** Mean cross-entropy (nats/token) over the last training steps. */
  finalLoss: z.number().nonnegative(),
  /** Mean cross-entropy (nats/token) on the held-out split of the corpus. */
  heldoutLoss: z.number().nonnegative(),
  /** Training window in tokens; llama.context_length is set to it. */
  contextLength: z.number().int().positive(),
});
export type TrainingFacts = z.infer<typeof TrainingFactsSchema>;

export const ModelEntrySchema = z.object({
  id: z.string().min(1),
  role: z.enum(["target", "drafter"]),
  /** Relative to the manifest's folder, or absolute (files in the shared model cache). */
  path: z.string().min(1),
  parameters: z.number().int().positive(),
  layers: z.number().int().positive(),
  width: z.number().int().positive(),
  /** The GGUF's weight type as llama.cpp names it (F32, F16, Q8_0, Q4_1, …). */
  quantization: z.string().regex(/^[A-Z0-9_]+$/),
  derivation: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  /** Greedy per-token acceptance against the target the generator designed for (drafters). */
  expectedAcceptance: z.object({ min: z.number().min(0).max(1), max: z.number().min(0).max(1) }).optional(),
  /** Present for trained members (assets/models/). */
  training: TrainingFactsSchema.optional(),
  /** A Hugging Face checkpoint of the same weights (engines that load no GGUF, e.g. vLLM), relative like `path`. */
  hfDir: z.string().min(1).optional(),
  /** Where a fetched model comes from and under what licence (the real family). */
  source: z.object({ package: z.string(), version: z.string(), file: z.string(), license: z.string(), url: z.string() }).optional(),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ModelManifestSchema = z.object({
  generator: z.literal("configspec"),
  version: z.number().int(),
  seed: z.number().int(),
  /**
   * `generated`: seeded random weights (the unit-test fixture); `trained`: assets/models/;
   * `real`: a pretrained model fetched by its pinned hash (drafters are added as they are made).
   */
  family: z.enum(["generated", "trained", "real"]).default("generated"),
  models: z
    .array(ModelEntrySchema)
    .min(1)
    .refine((models) => models.filter((m) => m.role === "target").length === 1, "a family has exactly one target"),
});
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

export const MANIFEST_FILE_NAME = "manifest.json";

/** A manifest entry with its path made absolute, as every consumer wants it. */
export interface ResolvedModelEntry extends ModelEntry {
  absolutePath: string;
  /** `hfDir` made absolute. */
  absoluteHfDir?: string;
}

export async function readModelManifest(manifestPath: string): Promise<{ manifest: ModelManifest; models: ResolvedModelEntry[] }> {
  const text = await readFile(manifestPath, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ModelManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${manifestPath} is not a model manifest: ${z.prettifyError(parsed.error)}`);
  const folder = dirname(manifestPath);
  return {
    manifest: parsed.data,
    models: parsed.data.models.map((m) => ({ ...m, absolutePath: resolve(folder, m.path), ...(m.hfDir ? { absoluteHfDir: resolve(folder, m.hfDir) } : {}) })),
  };
}
