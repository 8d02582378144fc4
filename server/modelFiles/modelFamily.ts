import { createHash } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildCodeVocabulary, TokenType } from "./codeVocabulary.js";
import { writeLlamaGguf } from "./llamaGguf.js";
import {
  parameterCount,
  perturbWeights,
  randomLlamaWeights,
  truncateLayers,
  type LlamaArchitecture,
  type LlamaWeights,
} from "./llamaWeights.js";
import {
  MANIFEST_FILE_NAME,
  MODEL_FAMILY_VERSION,
  ModelManifestSchema,
  type ModelEntry,
  type ModelManifest,
} from "./modelManifest.js";
import type { TensorQuantization } from "../gguf/ggufTypes.js";

export const DEFAULT_FAMILY_SEED = 1234;

/** The target (the verifier's model): F32 so batched and single-token evaluation agree exactly. */
const TARGET_ARCHITECTURE: Omit<LlamaArchitecture, "vocabularySize"> = {
  embedding: 256,
  layers: 8,
  heads: 4,
  kvHeads: 4,
  feedForward: 768,
  contextLength: 4096,
};

interface DrafterRecipe {
  id: string;
  layers: number;
  quantization: TensorQuantization;
  noise: number;
  expectedAcceptance: { min: number; max: number };
}

/**
 * Drafters derived from the target the way real ones differ: fewer layers, a coarser
 * quantisation, perturbed weights (a less aligned fine-tune). Acceptance ranges come from
 * teacher-forced greedy agreement measured on this machine (0.975, 0.83, 0.59, 0.30),
 * widened to allow prompt-to-prompt variation.
 */
const DRAFTER_RECIPES: readonly DrafterRecipe[] = [
  { id: "draft-8l-q8_0", layers: 8, quantization: "Q8_0", noise: 0, expectedAcceptance: { min: 0.9, max: 1 } },
  { id: "draft-4l-f16", layers: 4, quantization: "F16", noise: 0, expectedAcceptance: { min: 0.65, max: 0.95 } },
  { id: "draft-2l-q8_0-n15", layers: 2, quantization: "Q8_0", noise: 0.15, expectedAcceptance: { min: 0.4, max: 0.8 } },
  { id: "draft-1l-q8_0-n40", layers: 1, quantization: "Q8_0", noise: 0.4, expectedAcceptance: { min: 0.15, max: 0.5 } },
];

export interface GenerateFamilyOptions {
  /** Default {@link DEFAULT_FAMILY_SEED}. */
  seed?: number;
  onProgress?: (message: string) => void;
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/**
 * Writes the target and the drafter family into `outDir` with `manifest.json`. The same
 * seed gives byte-identical files. Returns the manifest.
 */
export async function generateModelFamily(outDir: string, options: GenerateFamilyOptions = {}): Promise<ModelManifest> {
  const seed = options.seed ?? DEFAULT_FAMILY_SEED;
  const report = options.onProgress ?? (() => {});
  await mkdir(outDir, { recursive: true });
  const vocabulary = buildCodeVocabulary();
  const silencedTokens = vocabulary.entries.flatMap((entry, id) => (entry.type === TokenType.normal ? [] : [id]));
  const architecture: LlamaArchitecture = { ...TARGET_ARCHITECTURE, vocabularySize: vocabulary.entries.length };
  const target = randomLlamaWeights(architecture, { seed, silencedTokens });

  const models: ModelEntry[] = [];
  const write = async (
    id: string,
    role: ModelEntry["role"],
    weights: LlamaWeights,
    quantization: TensorQuantization,
    derivation: string,
    expectedAcceptance?: ModelEntry["expectedAcceptance"],
  ) => {
    report(`writing ${id}`);
    const path = `${id}.gguf`;
    const absolute = join(outDir, path);
    await writeLlamaGguf(absolute, weights, { name: id, quantization, vocabulary, derivation });
    models.push({
      id,
      role,
      path,
      parameters: parameterCount(weights),
      layers: weights.architecture.layers,
      width: weights.architecture.embedding,
      quantization,
      derivation,
      sha256: await sha256File(absolute),
      bytes: (await stat(absolute)).size,
      ...(expectedAcceptance ? { expectedAcceptance } : {}),
    });
  };

  await write("target-8l-f32", "target", target, "F32", `random LLaMA, seed ${seed}, residual scale 0.1`);
  for (const [index, recipe] of DRAFTER_RECIPES.entries()) {
    let weights = recipe.layers < architecture.layers ? truncateLayers(target, recipe.layers) : target;
    if (recipe.noise > 0) weights = perturbWeights(weights, recipe.noise, seed + 1 + index);
    const steps = [
      recipe.layers < architecture.layers ? `first ${recipe.layers} of ${architecture.layers} layers` : "all layers",
      recipe.noise > 0 ? `Gaussian noise ${recipe.noise} x RMS` : undefined,
      `quantised ${recipe.quantization}`,
    ].filter(Boolean);
    await write(recipe.id, "drafter", weights, recipe.quantization, `target: ${steps.join(", ")}`, recipe.expectedAcceptance);
  }

  const manifest = ModelManifestSchema.parse({ generator: "configspec", version: MODEL_FAMILY_VERSION, seed, models });
  await writeFile(join(outDir, MANIFEST_FILE_NAME), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}
