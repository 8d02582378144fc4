import { z } from "zod";

/** A flip between the verifier's two best tokens smaller than this (nats) is a near-tie. */
export const NEAR_TIE_NATS = 0.5;

const TopSchema = z.object({ id: z.number(), bytes: z.array(z.number()), logprob: z.number() });
const CompletionSchema = z.object({
  content: z.string(),
  completion_probabilities: z.array(z.object({ id: z.number(), bytes: z.array(z.number()), top_logprobs: z.array(TopSchema) })),
});

export interface Divergence {
  /** Output token where the speculative text left verifier-only's. */
  position: number;
  /** Verifier-only's token there and the runner-up, with their logprob gap in nats. */
  chosen: string;
  runnerUp: string;
  gapNats: number;
  /** Whether the speculative text went on with the runner-up (a flip of the top two). */
  tookRunnerUp: boolean;
}

/**
 * Where `text` (a speculative completion) leaves `reference` (verifier-only's, on the same
 * llama-server) and how close the verifier's two best tokens were there, read from a fresh
 * verifier-only decode of the same prompt with `n_probs` 2. llama.cpp's CPU kernels for a
 * quantised model give logits that differ with the batch a position is evaluated in (a round
 * evaluates drafts together, streaming one at a time), so where the top two are this close
 * the greedy choice can flip. Undefined when that decode does not reproduce `reference` up to the
 * divergence (then it is not explained by a near-tie).
 */
export async function divergenceOf(serverUrl: string, promptTokens: readonly number[], reference: string, text: string, maxTokens: number): Promise<Divergence | undefined> {
  const response = await fetch(`${serverUrl}/completion`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: promptTokens, n_predict: maxTokens, temperature: 0, n_probs: 2, cache_prompt: false }),
  });
  const body = CompletionSchema.parse(await response.json());
  const decode = (bytes: number[]) => Buffer.from(bytes).toString("latin1");
  const target = Buffer.from(text, "utf8").toString("latin1");
  const expected = Buffer.from(reference, "utf8").toString("latin1");
  // A flip can hide behind shared text ("\n\t" against "\n" then "\t}"): the latest position before
  // the texts part where the runner-up also fits the speculative text is where the paths split.
  let sofar = "";
  let lastFit: Divergence | undefined;
  for (const [position, step] of body.completion_probabilities.entries()) {
    const next = sofar + decode(step.bytes);
    if (!expected.startsWith(next) && !next.startsWith(expected)) return undefined; // not verifier-only's own path
    const [first, second] = step.top_logprobs;
    if (first && second) {
      const runnerUp = decode(second.bytes);
      const fits = target.startsWith(sofar + runnerUp) || (sofar + runnerUp).startsWith(target);
      if (fits) lastFit = { position, chosen: decode(first.bytes), runnerUp, gapNats: first.logprob - second.logprob, tookRunnerUp: true };
    }
    if (!target.startsWith(next)) {
      if (lastFit) return lastFit;
      return first && second ? { position, chosen: decode(first.bytes), runnerUp: decode(second.bytes), gapNats: first.logprob - second.logprob, tookRunnerUp: false } : undefined;
    }
    sofar = next;
  }
  return undefined;
}
