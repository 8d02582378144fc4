import { z } from "zod";
import type { VerifierUsage } from "./verifierCalls.js";
import type { VerifierClient } from "./verifierClient.js";
import { validateResponse } from "./verifierTransport.js";

/** What one warm-up request cost: its billed tokens and its time. */
export interface WarmupCall {
  usage: VerifierUsage;
  latencyMs: number;
  /** The emulated network delay inside `latencyMs` (0 against a real endpoint). */
  networkMs: number;
}

/**
 * The cheapest request that puts a prompt into an endpoint's prefix cache, so the completion at
 * the next pause pays only for what was typed since. The shape depends on the engine behind the
 * endpoint; the engine holds one (default {@link ONE_TOKEN_COMPLETION_WARMUP}).
 */
export interface VerifierWarmup {
  /** How logs name the request. */
  readonly name: string;
  /** Sends the prompt as the completions will (token ids with a shared tokenizer, else text). */
  warm(client: VerifierClient, prompt: readonly number[] | string, signal?: AbortSignal): Promise<WarmupCall>;
}

/**
 * A one-token greedy `/v1/completions` on the prompt: the embedded verifier (its slot keeps the
 * prompt's KV and predictions), vLLM (automatic prefix caching keeps the prompt's blocks) and
 * SGLang (its radix cache is shared by every route). One output token is billed.
 */
export const ONE_TOKEN_COMPLETION_WARMUP: VerifierWarmup = {
  name: "one-token completion",
  async warm(client, prompt, signal) {
    const generation = await client.generate({ prompt, maxTokens: 1, signal });
    return { usage: generation.stats.usage, latencyMs: generation.stats.latencyMs, networkMs: generation.stats.networkMs };
  },
};

/**
 * llama-server's `/completion` answer, the fields a warm-up reads (tools/server/README.md:
 * `tokens_evaluated`, and `timings.prompt_n` / `timings.cache_n`, the prompt tokens evaluated
 * now and taken from the slot's cache).
 */
const LlamaServerCompletionSchema = z.object({
  tokens_evaluated: z.number().int().nonnegative().nullish(),
  timings: z.object({ prompt_n: z.number().int().nonnegative().nullish(), cache_n: z.number().int().nonnegative().nullish() }).nullish(),
});
// One object for one prompt, one per prompt for a list (tools/server: handle_completions_impl).
const LlamaServerCompletionsSchema = z.union([z.array(LlamaServerCompletionSchema).min(1), LlamaServerCompletionSchema.transform((one) => [one])]);

/**
 * llama-server: `POST /completion` with `n_predict: 0` and `cache_prompt: true` (tools/server
 * README): the prompt is evaluated into a slot's cache and nothing is generated. Which slot the
 * next round lands on is the server's choice (it prefers the slot with the longest common prefix).
 */
export const LLAMA_SERVER_WARMUP: VerifierWarmup = llamaServerWarmup(1);

/**
 * The llama-server warm-up sent as `slots` copies of the prompt in one request: its slots share no
 * KV, and a round that sends K+1 prompts at once spreads them over K+1 slots, each of which must
 * hold the context (each copy lands on its own idle slot, the one with the longest common prefix).
 */
export function llamaServerWarmup(slots: number): VerifierWarmup {
  return {
    name: slots === 1 ? "llama-server n_predict 0" : `llama-server n_predict 0 on ${slots} slots`,
    async warm(client, prompt, signal) {
      const one = typeof prompt === "string" ? prompt : [...prompt];
      const body = { prompt: slots === 1 ? one : Array.from({ length: slots }, () => one), n_predict: 0, cache_prompt: true, temperature: 0 };
      const { value, timing } = await client.transport.requestJson("POST", `${client.serverRoot}/completion`, "POST /completion (warm-up)", body, signal, (json) => {
        const answers = validateResponse(LlamaServerCompletionsSchema, json, "a llama-server /completion answer");
        const cached = answers.reduce((sum, a) => sum + (a.timings?.cache_n ?? 0), 0);
        const evaluated = answers.reduce((sum, a) => sum + (a.tokens_evaluated ?? (a.timings?.prompt_n ?? 0) + (a.timings?.cache_n ?? 0)), 0);
        return { promptTokens: evaluated, cachedTokens: cached, completionTokens: 0 };
      });
      return { usage: value, latencyMs: timing.latencyMs, networkMs: timing.networkMs };
    },
  };
}

/** The warm-up for the engine detection recognised behind the endpoint, for a round that sends `promptsPerRound` prompts at once. */
export function warmupForEngine(engine: string | undefined, promptsPerRound: number): VerifierWarmup {
  return engine === "llama-server" ? llamaServerWarmup(promptsPerRound) : ONE_TOKEN_COMPLETION_WARMUP;
}
