import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildCodeVocabulary, TokenType, type CodeVocabulary } from "../../server/modelFiles/codeVocabulary.js";
import { writeLlamaGguf } from "../../server/modelFiles/llamaGguf.js";
import { randomLlamaWeights } from "../../server/modelFiles/llamaWeights.js";

/** Gemma 3's vocabulary size: the largest that real models users bring carry today. */
export const BIG_VOCABULARY_SIZE = 262_144;

const DIR = resolve(".cache", "big-vocabulary-models-v1");

/**
 * The generated code vocabulary padded with unused pieces to {@link BIG_VOCABULARY_SIZE} tokens,
 * so every path that could walk or spread the vocabulary per request meets one of that size.
 */
function bigVocabulary(): CodeVocabulary {
  const base = buildCodeVocabulary();
  const entries = [...base.entries];
  // Private-use pieces never occur in the tests' text, so tokenization is the base vocabulary's.
  for (let i = entries.length; i < BIG_VOCABULARY_SIZE; i++) entries.push({ piece: `\u{F0000}${i}`, type: TokenType.normal, score: -1e6 });
  return { entries, ids: base.ids };
}

/** A tiny random LLaMA with a 262,144-token vocabulary, written once (git-ignored cache). */
export async function bigVocabularyModel(): Promise<string> {
  const path = join(DIR, "big-vocabulary.gguf");
  if (existsSync(path)) return path;
  await mkdir(DIR, { recursive: true });
  const vocabulary = bigVocabulary();
  const weights = randomLlamaWeights(
    { embedding: 16, layers: 1, heads: 2, kvHeads: 2, feedForward: 32, contextLength: 512, vocabularySize: vocabulary.entries.length },
    { seed: 31, silencedTokens: vocabulary.entries.flatMap((entry, id) => (entry.type === TokenType.normal ? [] : [id])) },
  );
  const staging = `${path}.${process.pid}.staging`;
  await writeLlamaGguf(staging, weights, { name: "big-vocabulary", quantization: "F32", vocabulary, derivation: "random LLaMA with a 262,144-token vocabulary (test fixture)" });
  await rename(staging, path).catch(() => rm(staging, { force: true }));
  return path;
}
