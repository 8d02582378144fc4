import type { LlamaModel, Token } from "node-llama-cpp";
import { getSharedLlama, DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { loadModel } from "./modelLoader.js";

/** Tokens of greedy target continuation compared per prompt. */
export const DEFAULT_ALIGNMENT_TOKENS = 48;

export interface AlignmentMeasurement {
  /** Fraction of positions where the drafter's greedy next token equals the target's. */
  acceptance: number;
  positions: number;
  /** Median single-token decode time. */
  msPerToken: number;
}

async function withContext<T>(model: LlamaModel, run: (seq: import("node-llama-cpp").LlamaContextSequence) => Promise<T>): Promise<T> {
  const context = await model.createContext({ contextSize: 1024, threads: DEFAULT_THREADS });
  try {
    return await run(context.getSequence());
  } finally {
    await context.dispose();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Greedy continuation of each prompt, decoded one token at a time, with per-token times. */
export async function greedyContinuations(model: LlamaModel, prompts: readonly string[], tokens: number) {
  return withContext(model, async (sequence) => {
    const continuations: Token[][] = [];
    const times: number[] = [];
    for (const prompt of prompts) {
      await sequence.clearHistory();
      const input = model.tokenize(prompt);
      let result = await sequence.controlledEvaluate(input.map((t, i) => (i === input.length - 1 ? [t, { generateNext: { token: true } }] : t)));
      let next = result[input.length - 1]?.next.token;
      const out: Token[] = [];
      while (next != null && out.length < tokens) {
        out.push(next);
        const start = performance.now();
        result = await sequence.controlledEvaluate([[next, { generateNext: { token: true } }]]);
        times.push(performance.now() - start);
        next = result[0]?.next.token;
      }
      continuations.push(out);
    }
    return { continuations, msPerToken: median(times) };
  });
}

/**
 * Teacher-forced greedy agreement of a drafter with the target: at every position of the
 * target's own greedy continuation, does the drafter predict the same next token? This is
 * the per-token acceptance rate of greedy speculative decoding.
 */
export async function measureAlignment(targetPath: string, drafterPaths: readonly string[], prompts: readonly string[], tokens = DEFAULT_ALIGNMENT_TOKENS) {
  await getSharedLlama();
  const target = await loadModel(targetPath);
  let reference: { continuations: Token[][]; msPerToken: number };
  try {
    reference = await greedyContinuations(target, prompts, tokens);
  } finally {
    await target.dispose();
  }
  const drafters: AlignmentMeasurement[] = [];
  for (const path of drafterPaths) {
    const drafter = await loadModel(path);
    try {
      const positions = await withContext(drafter, async (sequence) => {
        let agree = 0;
        let total = 0;
        for (const [i, prompt] of prompts.entries()) {
          await sequence.clearHistory();
          const promptTokens = drafter.tokenize(prompt);
          const continuation = reference.continuations[i];
          const all = [...promptTokens, ...continuation];
          const from = promptTokens.length - 1;
          const result = await sequence.controlledEvaluate(
            all.map((t, j) => (j >= from && j < all.length - 1 ? [t, { generateNext: { token: true } }] : t)),
          );
          for (let j = from; j < all.length - 1; j++) {
            total++;
            if (result[j]?.next.token === all[j + 1]) agree++;
          }
        }
        return { agree, total };
      });
      const speed = await greedyContinuations(drafter, prompts.slice(0, 2), tokens);
      drafters.push({ acceptance: positions.agree / positions.total, positions: positions.total, msPerToken: speed.msPerToken });
    } finally {
      await drafter.dispose();
    }
  }
  return { targetMsPerToken: reference.msPerToken, drafters };
}
