import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { CorpusFile } from "../corpus/codeCorpus.js";
import { cursorContextOf, postprocessCompletion } from "../postprocess/stopRules.js";
import { DEFAULT_THREADS, getSharedLlama } from "../llama/sharedLlama.js";
import { detokenizeAsStreamed } from "../llama/tokenPieces.js";
import { buildCompletionPrompt, type PromptTokenizer } from "../prompt/completionPrompt.js";
import { readFimMarkers } from "../prompt/fimDialect.js";
import { validateModelFile } from "./modelFileValidation.js";
import { loadModel } from "./modelLoader.js";
import type { ResolvedModelEntry } from "./modelManifest.js";
import { SeededRandom } from "../util/seededRandom.js";

/**
 * How well a model family learned code, measured on files it never saw (not in its corpus
 * manifest): held-out loss per model, the target's greedy next-line exact match at the start of
 * real lines, and each drafter's greedy acceptance against the target at several K.
 */
export interface FamilyEvaluationOptions {
  /** Cursor positions for next-line match and acceptance. Default {@link DEFAULT_POSITIONS}. */
  positions?: number;
  seed?: number;
  ks?: readonly number[];
  /** Target tokens generated per position (acceptance walks them). Default 48. */
  generateTokens?: number;
  /** Completions printed as they are (verifier-only). Default 10. */
  samples?: number;
  log?: (line: string) => void;
}

export const DEFAULT_POSITIONS = 200;
export const MIN_LINE_CHARACTERS = 8;
const DEFAULT_KS = [1, 2, 4, 8] as const;
const PROMPT_SIDE_TOKENS = { maxPrefixTokens: 320, maxSuffixTokens: 96 } as const;

export interface LinePosition {
  file: string;
  /** The cursor: the line's first non-space character. */
  offset: number;
  /** What the line holds from the cursor to its end. */
  expected: string;
  prefix: string;
  /** The document after the line: the line itself is what the model must write. */
  suffix: string;
}

export interface ModelEvaluation {
  id: string;
  role: "target" | "drafter";
  loads: boolean;
  heldoutLoss: number;
  heldoutTokens: number;
  /** Nats per character of the scored text. */
  heldoutLossPerCharacter: number;
  heldoutCharacters: number;
}

export interface DrafterAcceptance {
  id: string;
  sameTokenizer: boolean;
  /** accepted / drafted per K. */
  acceptance: Record<number, number>;
  msPerToken: number;
}

export interface FamilyEvaluation {
  files: string[];
  excludedAsTrainingFiles: number;
  models: ModelEvaluation[];
  nextLine: { positions: number; exactMatch: number; meanMatchedCharacters: number; meanExpectedCharacters: number };
  drafters: DrafterAcceptance[];
  targetMsPerToken: number;
  /** Greedy completions as the model wrote them, and what the daemon would show of each (its stop rules applied). */
  samples: { file: string; line: number; expected: string; completion: string; ghostText: string }[];
}

/** sha256 of every file the family was trained or scored on (assets/models/corpus-manifest.json). */
export function trainingFileHashes(familyDir: string): Set<string> {
  const path = join(familyDir, "corpus-manifest.json");
  if (!existsSync(path)) return new Set();
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { files?: { sha256?: string; split?: string }[] };
  // Files the manifest marks held out were never trained on: they stay evaluable.
  return new Set((manifest.files ?? []).flatMap((f) => (typeof f.sha256 === "string" && f.split !== "heldout" ? [f.sha256] : [])));
}

/** Seeded cursor positions at the first non-space character of lines with ≥ 8 non-space characters. */
export function linePositions(files: readonly CorpusFile[], count: number, seed: number): LinePosition[] {
  const candidates: LinePosition[] = [];
  for (const file of files) {
    let start = 0;
    for (const line of file.text.split("\n")) {
      const indent = line.length - line.trimStart().length;
      const body = line.trimEnd().slice(indent);
      if (body.replace(/\s/g, "").length >= MIN_LINE_CHARACTERS && start > 0) {
        const offset = start + indent;
        candidates.push({ file: file.relativePath, offset, expected: body, prefix: file.text.slice(0, offset), suffix: file.text.slice(start + line.length) });
      }
      start += line.length + 1;
    }
  }
  const random = new SeededRandom(seed);
  const chosen: LinePosition[] = [];
  const pool = [...candidates];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(random.uniform() * pool.length), 1)[0]);
  return chosen;
}

function promptTokenizer(model: LlamaModel): PromptTokenizer {
  return {
    tokenize: (text) => model.tokenize(text, false),
    detokenize: (tokens) => detokenizeAsStreamed(model, tokens, false),
    fimMarkers: readFimMarkers(model),
  };
}

async function withSequence<T>(model: LlamaModel, run: (sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
  const context = await model.createContext({ contextSize: Math.min(2048, model.trainContextSize), threads: DEFAULT_THREADS });
  try {
    return await run(context.getSequence());
  } finally {
    await context.dispose();
  }
}

/**
 * Mean cross-entropy of `model` on windows of the files (teacher-forced), in nats per token and
 * per character of the text those tokens spell (comparable across tokenizers).
 */
async function heldoutLoss(model: LlamaModel, files: readonly CorpusFile[]): Promise<{ loss: number; tokens: number; lossPerCharacter: number; characters: number }> {
  const window = Math.min(512, model.trainContextSize);
  return withSequence(model, async (sequence) => {
    let total = 0;
    let count = 0;
    let characters = 0;
    for (const file of files) {
      const tokens = model.tokenize(file.text, false).slice(0, window);
      if (tokens.length < 2) continue;
      characters += detokenizeAsStreamed(model, tokens.slice(1), false).length;
      await sequence.clearHistory();
      const result = await sequence.controlledEvaluate(tokens.map((t, i) => (i < tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
      for (let i = 0; i < tokens.length - 1; i++) {
        const p = result[i]?.next.probabilities?.get(tokens[i + 1]) ?? 0;
        total += -Math.log(Math.max(p, 1e-12));
        count++;
      }
    }
    return { loss: total / Math.max(1, count), tokens: count, lossPerCharacter: total / Math.max(1, characters), characters };
  });
}

/** Greedy tokens after `prompt`, stopping at end of generation or after `max`. */
async function greedy(sequence: LlamaContextSequence, model: LlamaModel, prompt: Token[], max: number, times?: number[]): Promise<Token[]> {
  await sequence.clearHistory();
  let result = await sequence.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: { token: true } }] : t)));
  let next = result[prompt.length - 1]?.next.token;
  const out: Token[] = [];
  while (next != null && out.length < max && !model.isEogToken(next)) {
    out.push(next);
    const started = performance.now();
    result = await sequence.controlledEvaluate([[next, { generateNext: { token: true } }]]);
    times?.push(performance.now() - started);
    next = result[0]?.next.token;
  }
  return out;
}

/** The first line of a completion, trailing spaces dropped. */
const firstLine = (text: string) => (text.split("\n")[0] ?? "").trimEnd();
const commonPrefix = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Greedy acceptance of a drafter against the target's own greedy continuations, walked as the
 * engine walks them: each round drafts K tokens after the accepted text, keeps the longest
 * prefix the target agrees with plus the target's next token. Token ids when the tokenizers
 * match; otherwise the draft's text is compared with the target's text.
 */
async function drafterAcceptance(
  drafter: LlamaModel,
  sameTokenizer: boolean,
  cases: { prompt: Token[]; promptText: string; continuation: Token[]; continuationText: string[] }[],
  ks: readonly number[],
): Promise<{ acceptance: Record<number, number>; msPerToken: number }> {
  const times: number[] = [];
  const acceptance: Record<number, number> = {};
  await withSequence(drafter, async (sequence) => {
    for (const k of ks) {
      let accepted = 0;
      let drafted = 0;
      for (const c of cases) {
        let position = 0; // target tokens already produced
        while (position < c.continuation.length) {
          const remaining = c.continuation.length - position;
          const kk = Math.min(k, remaining);
          const context = sameTokenizer ? [...c.prompt, ...c.continuation.slice(0, position)] : drafter.tokenize(c.promptText + c.continuationText.slice(0, position).join(""), true);
          await sequence.adaptStateToTokens(context, false);
          const pending = context.slice(sequence.nextTokenIndex);
          if (pending.length === 0) {
            // the whole context is cached: evaluate its last token again to get the next one
            await sequence.eraseContextTokenRanges([{ start: context.length - 1, end: context.length }]);
            pending.push(context[context.length - 1]);
          }
          let result = await sequence.controlledEvaluate(pending.map((t, i) => (i === pending.length - 1 ? [t, { generateNext: { token: true } }] : t)));
          let next = result[pending.length - 1]?.next.token;
          const draft: Token[] = [];
          while (next != null && draft.length < kk) {
            draft.push(next);
            if (draft.length === kk) break;
            const started = performance.now();
            result = await sequence.controlledEvaluate([[next, { generateNext: { token: true } }]]);
            times.push(performance.now() - started);
            next = result[0]?.next.token;
          }
          let agreed = 0;
          if (sameTokenizer) {
            while (agreed < draft.length && draft[agreed] === c.continuation[position + agreed]) agreed++;
          } else {
            const reference = c.continuationText.slice(position).join("");
            let text = "";
            for (const token of draft) {
              text += detokenizeAsStreamed(drafter, [token], false);
              if (!reference.startsWith(text)) break;
              agreed++;
            }
            // advance in target tokens by as much text as was accepted
            const acceptedText = detokenizeAsStreamed(drafter, draft.slice(0, agreed), false);
            let covered = 0;
            let steps = 0;
            while (position + steps < c.continuation.length && covered + c.continuationText[position + steps].length <= acceptedText.length) {
              covered += c.continuationText[position + steps].length;
              steps++;
            }
            accepted += agreed;
            drafted += kk;
            position += steps + 1;
            continue;
          }
          accepted += agreed;
          drafted += kk;
          position += agreed + 1; // the accepted tokens and the target's own next one
        }
      }
      acceptance[k] = drafted > 0 ? accepted / drafted : 0;
    }
  });
  return { acceptance, msPerToken: median(times) };
}

export async function evaluateFamily(
  target: ResolvedModelEntry,
  drafters: readonly ResolvedModelEntry[],
  files: readonly CorpusFile[],
  options: FamilyEvaluationOptions = {},
): Promise<Omit<FamilyEvaluation, "files" | "excludedAsTrainingFiles">> {
  const log = options.log ?? (() => {});
  const ks = options.ks ?? DEFAULT_KS;
  const positions = linePositions(files, options.positions ?? DEFAULT_POSITIONS, options.seed ?? 1);
  const generate = options.generateTokens ?? 48;
  await getSharedLlama();
  const models: ModelEvaluation[] = [];
  for (const entry of [target, ...drafters]) {
    await validateModelFile(entry.absolutePath);
    const model = await loadModel(entry.absolutePath);
    try {
      const { loss, tokens, lossPerCharacter, characters } = await heldoutLoss(model, files);
      models.push({ id: entry.id, role: entry.role, loads: true, heldoutLoss: loss, heldoutTokens: tokens, heldoutLossPerCharacter: lossPerCharacter, heldoutCharacters: characters });
      log(`${entry.id}: loads, held-out loss ${loss.toFixed(3)} nats/token over ${tokens} tokens`);
    } finally {
      await model.dispose();
    }
  }

  const targetModel = await loadModel(target.absolutePath);
  const targetTimes: number[] = [];
  const cases: { prompt: Token[]; promptText: string; continuation: Token[]; continuationText: string[] }[] = [];
  let exact = 0;
  let matched = 0;
  let expectedChars = 0;
  const samples: FamilyEvaluation["samples"] = [];
  const sampleEvery = Math.max(1, Math.floor(positions.length / (options.samples ?? 10)));
  try {
    const tokenizer = promptTokenizer(targetModel);
    await withSequence(targetModel, async (sequence) => {
      for (const [i, position] of positions.entries()) {
        const prompt = buildCompletionPrompt(position.prefix, position.suffix, tokenizer, PROMPT_SIDE_TOKENS);
        const out = await greedy(sequence, targetModel, prompt.tokens, generate, targetTimes);
        const text = detokenizeAsStreamed(targetModel, out, false);
        const line = firstLine(text);
        if (line === position.expected) exact++;
        matched += commonPrefix(line, position.expected);
        expectedChars += position.expected.length;
        cases.push({ prompt: prompt.tokens, promptText: prompt.text, continuation: out, continuationText: out.map((t) => detokenizeAsStreamed(targetModel, [t], false)) });
        if (i % sampleEvery === 0 && samples.length < (options.samples ?? 10)) {
          const lineNumber = position.prefix.split("\n").length;
          samples.push({ file: position.file, line: lineNumber, expected: position.expected, completion: text, ghostText: postprocessCompletion(text, cursorContextOf(position.prefix, position.suffix)).text });
        }
        if ((i + 1) % 50 === 0) log(`next line: ${i + 1}/${positions.length} positions`);
      }
    });
  } finally {
    await targetModel.dispose();
  }

  const acceptanceCases = cases.filter((c) => c.continuation.length > 0).slice(0, 60);
  const drafterResults: DrafterAcceptance[] = [];
  for (const entry of drafters) {
    const model = await loadModel(entry.absolutePath);
    try {
      const sameTokenizer = entry.training?.tokenizer !== undefined && entry.training.tokenizer === target.training?.tokenizer;
      const measured = await drafterAcceptance(model, sameTokenizer, acceptanceCases, ks);
      drafterResults.push({ id: entry.id, sameTokenizer, ...measured });
      log(`${entry.id}: accepted/drafted ${ks.map((k) => `K=${k} ${measured.acceptance[k].toFixed(2)}`).join(", ")}, ${measured.msPerToken.toFixed(2)} ms/token`);
    } finally {
      await model.dispose();
    }
  }
  return {
    models,
    nextLine: { positions: positions.length, exactMatch: exact / Math.max(1, positions.length), meanMatchedCharacters: matched / Math.max(1, positions.length), meanExpectedCharacters: expectedChars / Math.max(1, positions.length) },
    drafters: drafterResults,
    targetMsPerToken: median(targetTimes),
    samples,
  };
}

/** Files of `corpus` that are not in the family's training manifest. */
export function heldOutFiles(files: readonly CorpusFile[], familyDir: string): { files: CorpusFile[]; excluded: number } {
  const seen = trainingFileHashes(familyDir);
  const kept = files.filter((f) => !seen.has(createHash("sha256").update(f.text, "utf8").digest("hex")));
  return { files: kept, excluded: files.length - kept.length };
}
