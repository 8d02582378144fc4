import { extname } from "node:path";
import type { Token } from "node-llama-cpp";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus, type CompletionCut } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import { buildCompletionPrompt } from "../prompt/completionPrompt.js";

/** Seed of the bench's cursor positions: neither the profiler's calibration (7) nor its validation (1009) set. */
export const BENCH_PROMPT_SEED = 4242;

const LANGUAGES: Readonly<Record<string, string>> = {
  ".py": "python",
  ".ts": "typescript",
  ".tsx": "typescript",
  ".js": "javascript",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
  ".c": "c",
  ".h": "c",
  ".cpp": "cpp",
  ".cs": "csharp",
  ".rb": "ruby",
  ".kt": "kotlin",
  ".swift": "swift",
  ".php": "php",
};

export interface BenchPrompt {
  cut: CompletionCut;
  language: string;
  /** The FIM prompt as the engine builds it (every family model shares the tokenizer). */
  tokens: Token[];
}

export interface BenchWorkload {
  corpus: string;
  seed: number;
  maxTokens: number;
  prompts: BenchPrompt[];
  /** Mean prompt length in tokens: the conditions the picks are predicted for. */
  meanPromptTokens: number;
}

/**
 * Completion requests at seeded random cursor positions of real source files (cycling over the
 * files, so every language of the corpus gets its share), each completing to its natural end or
 * `maxTokens`. Prompts are tokenized once with a family drafter.
 */
export async function benchWorkload(options: { corpusDir?: string; count: number; maxTokens: number; seed?: number; tokenizer: Drafter }): Promise<BenchWorkload> {
  const corpus = options.corpusDir ?? bundledCorpusDir();
  const seed = options.seed ?? BENCH_PROMPT_SEED;
  const cuts = cutCompletionPrompts(await readCorpus(corpus), options.count, seed);
  const prompts = cuts.map((cut) => ({
    cut,
    language: LANGUAGES[extname(cut.file)] ?? extname(cut.file).slice(1),
    tokens: buildCompletionPrompt(cut.prefix, cut.suffix, options.tokenizer).tokens,
  }));
  const meanPromptTokens = Math.round(prompts.reduce((sum, p) => sum + p.tokens.length, 0) / prompts.length);
  return { corpus, seed, maxTokens: options.maxTokens, prompts, meanPromptTokens };
}
