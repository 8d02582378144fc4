import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildCodeVocabulary, TokenType, type VocabularyFimMarkers } from "../../server/modelFiles/codeVocabulary.js";
import { writeLlamaGguf, type LlamaGgufOptions } from "../../server/modelFiles/llamaGguf.js";
import { randomLlamaWeights, type LlamaArchitecture } from "../../server/modelFiles/llamaWeights.js";
import type { FimDialectName, FimTriple } from "../../server/prompt/fimDialect.js";

/** Where the dialect models are kept between test files (git-ignored); the version changes with their specs. */
export const FIM_DIALECT_MODELS_DIR = resolve(".cache", "fim-dialect-models-v1");

export interface FimDialectModelSpec {
  /** The family whose FIM convention the vocabulary carries; "none": no FIM tokens at all. */
  dialect: FimDialectName | "none";
  markers: VocabularyFimMarkers;
  /** How the GGUF names them: each family's converted files name them differently, or not at all. */
  fimKeys: NonNullable<LlamaGgufOptions["fimKeys"]>;
  addSpacePrefix: boolean;
}

/** One tiny model per dialect users bring, spelled and keyed as that family's GGUFs are. */
export const FIM_DIALECT_MODEL_SPECS: readonly FimDialectModelSpec[] = [
  { dialect: "qwen", markers: { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" }, fimKeys: "fim", addSpacePrefix: false },
  { dialect: "deepseek", markers: { prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>" }, fimKeys: "fim", addSpacePrefix: false },
  // CodeLlama: a SentencePiece vocabulary that adds the space, markers under the older keys.
  { dialect: "codellama", markers: { prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>" }, fimKeys: "legacy", addSpacePrefix: true },
  // No keys at all: llama.cpp finds StarCoder's markers by their text.
  { dialect: "starcoder", markers: { prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>" }, fimKeys: "none", addSpacePrefix: false },
  { dialect: "none", markers: null, fimKeys: "fim", addSpacePrefix: false },
];

const ARCHITECTURE: Omit<LlamaArchitecture, "vocabularySize"> = { embedding: 32, layers: 1, heads: 2, kvHeads: 2, feedForward: 64, contextLength: 512 };

export interface FimDialectModel {
  spec: FimDialectModelSpec;
  path: string;
  /** The ids the vocabulary gave the markers; undefined without FIM tokens. */
  ids: FimTriple<number> | undefined;
}

/** The tiny random model whose vocabulary carries `dialect`'s FIM markers, written once (to a staging name, then renamed). */
export async function fimDialectModel(dialect: FimDialectModelSpec["dialect"]): Promise<FimDialectModel> {
  const spec = FIM_DIALECT_MODEL_SPECS.find((s) => s.dialect === dialect);
  if (!spec) throw new Error(`no dialect model for ${dialect}`);
  const vocabulary = buildCodeVocabulary(spec.markers);
  const { fimPrefix, fimSuffix, fimMiddle } = vocabulary.ids;
  const ids = fimPrefix !== undefined && fimSuffix !== undefined && fimMiddle !== undefined ? { prefix: fimPrefix, suffix: fimSuffix, middle: fimMiddle } : undefined;
  const path = join(FIM_DIALECT_MODELS_DIR, `${dialect}.gguf`);
  if (!existsSync(path)) {
    await mkdir(FIM_DIALECT_MODELS_DIR, { recursive: true });
    const silencedTokens = vocabulary.entries.flatMap((entry, id) => (entry.type === TokenType.normal ? [] : [id]));
    const weights = randomLlamaWeights({ ...ARCHITECTURE, vocabularySize: vocabulary.entries.length }, { seed: 23, silencedTokens });
    const staging = `${path}.${process.pid}.staging`;
    await writeLlamaGguf(staging, weights, { name: `fim-${dialect}`, quantization: "F32", vocabulary, derivation: `random LLaMA with ${dialect} FIM markers (test fixture)`, fimKeys: spec.fimKeys, addSpacePrefix: spec.addSpacePrefix });
    await rename(staging, path).catch(() => rm(staging, { force: true }));
  }
  return { spec, path, ids };
}
