import type { CompletionCreateParamsNonStreaming } from "openai/resources/completions";
import { z } from "zod";
import { parseTokenId } from "../logprobsAcceptance.js";
import type { VerifierCallStats, VerifierClient, VerifierStopReason, VerifierUsage } from "../verifierClient.js";
import { VerifierRequestError } from "../verifierRequestError.js";
import { VerifierResponseError } from "../verifierResponseError.js";
import { UsageSchema } from "../verifierResponses.js";
import { validateResponse } from "../verifierTransport.js";
import { acceptFromArgmax, assertVerifiable, tokenIdAt, type DraftVerification, type DraftVerifyRequest, type TokenVerifier } from "./tokenVerifier.js";

// `prefix-probe`: the K+1 prompts context, context+d1, …, context+d1..dK in ONE request, one
// greedy token each; answer i is the verifier's argmax after context + draft[:i]. No echo and
// no prompt logprobs, so the engines' prefix caches serve the shared context.
//
// Variant `openai-completions` — `POST /v1/completions`:
// - a list of token-id arrays as `prompt`: OpenAI's schema allows `string | string[] |
//   number[] | number[][]` (openai-node src/resources/completions.ts,
//   CompletionCreateParamsBase.prompt); vLLM answers one choice per prompt, `index` = prompt.
// - the generated id: `logprobs: 1` with vLLM's `return_tokens_as_token_ids` (vLLM
//   vllm/entrypoints/openai/protocol.py, CompletionRequest) turns every logprobs token into
//   `token_id:<id>`. These are logprobs of generated tokens only: vLLM skips its prefix cache
//   only for requests with *prompt* logprobs (vllm/sampling_params.py sets
//   `skip_reading_prefix_cache = self.prompt_logprobs is not None`; vllm/v1/request.py reads it).
// Variant `llama-server` — llama.cpp tools/server `POST /completion`:
// - `prompt` may be a list of token arrays, one task per prompt (server-common.cpp
//   `tokenize_input_prompts`); `n_predict`, `return_tokens`, `cache_prompt` are request fields
//   (server-schema.cpp); the answer is one object per prompt with `index`, `tokens`,
//   `stop_type` ("eos" | "word" | "limit" | "none"), `tokens_evaluated`, `timings.cache_n`
//   (server-task.cpp `to_json_non_oaicompat`, server-common.cpp), a single object when there
//   is one prompt (server-context.cpp `handle_completions_impl`). Its `/v1/completions` rejects
//   `echo` ("Only no echo is supported", server-common.cpp `oaicompat_completion_params_parse`)
//   and never returns ids, hence the native route.

export type PrefixProbeVariant = "openai-completions" | "llama-server";

/** The K+1 prompts, shortest first. */
export function prefixPrompts(context: readonly number[], draft: readonly number[]): number[][] {
  return Array.from({ length: draft.length + 1 }, (_, i) => [...context, ...draft.slice(0, i)]);
}

export function prefixProbeCompletionsBody(model: string, context: readonly number[], draft: readonly number[]) {
  return {
    model,
    prompt: prefixPrompts(context, draft),
    max_tokens: 1,
    temperature: 0,
    logprobs: 1,
    return_tokens_as_token_ids: true,
  } satisfies CompletionCreateParamsNonStreaming & { return_tokens_as_token_ids: boolean };
}

export function prefixProbeLlamaBody(context: readonly number[], draft: readonly number[]) {
  return { prompt: prefixPrompts(context, draft), n_predict: 1, temperature: 0, return_tokens: true, cache_prompt: true, stream: false };
}

const ProbeCompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ tokens: z.array(z.string()) }).nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema,
});

const LlamaCompletionSchema = z.object({
  index: z.number().int().nonnegative().nullish(),
  tokens: z.array(z.number().int().nonnegative()),
  stop_type: z.string().nullish(),
  tokens_evaluated: z.number().int().nonnegative().nullish(),
  tokens_predicted: z.number().int().nonnegative().nullish(),
  timings: z.object({ cache_n: z.number().int().nonnegative().nullish() }).nullish(),
});
const LlamaCompletionsSchema = z.union([z.array(LlamaCompletionSchema).min(1), LlamaCompletionSchema.transform((one) => [one])]);

interface ProbeAnswers {
  /** Per prompt, in prompt order: the generated id (undefined: nothing generated) and why it stopped. */
  answers: { token: number | undefined; stopReason: VerifierStopReason }[];
  usage: VerifierUsage;
}

/** Answers in prompt order, each prompt answered exactly once. */
function byIndex<T extends { index?: number | null }>(items: readonly T[], expected: number, what: string): T[] {
  if (items.length !== expected) throw new VerifierResponseError(`expected ${expected} ${what} (one per prompt), found ${items.length}`);
  const ordered: T[] = new Array(expected);
  items.forEach((item, position) => {
    const index = item.index ?? position;
    if (index >= expected || ordered[index] !== undefined) throw new VerifierResponseError(`expected ${what} indices 0..${expected - 1} once each, found ${index} again or out of range`);
    ordered[index] = item;
  });
  return ordered;
}

export function parseProbeCompletions(json: unknown, prompts: number): ProbeAnswers {
  const response = validateResponse(ProbeCompletionSchema, json, "a completion with one choice per prompt");
  const answers = byIndex(response.choices, prompts, "choices").map((choice, i) => {
    const generated = choice.logprobs?.tokens ?? [];
    if (!choice.logprobs) throw new VerifierResponseError(`expected choices[${i}].logprobs (asked for logprobs: 1), found none`);
    const token = generated.length > 0 ? parseTokenId(generated[0], `choice ${i}'s generated token`) : undefined;
    return { token, stopReason: openaiStopReason(choice.finish_reason) };
  });
  const usage = response.usage;
  return { answers, usage: { promptTokens: usage.prompt_tokens, cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0, completionTokens: usage.completion_tokens } };
}

export function parseLlamaCompletions(json: unknown, prompts: number): ProbeAnswers {
  const results = byIndex(validateResponse(LlamaCompletionsSchema, json, "llama-server /completion results"), prompts, "results");
  const answers = results.map((result, i) => ({
    token: result.tokens.length > 0 ? tokenIdAt(result.tokens[0], `results[${i}].tokens[0]`) : undefined,
    stopReason: llamaStopReason(result.stop_type),
  }));
  const sum = (pick: (result: z.infer<typeof LlamaCompletionSchema>) => number) => results.reduce((total, result) => total + pick(result), 0);
  return {
    answers,
    usage: {
      promptTokens: sum((result) => result.tokens_evaluated ?? 0),
      cachedTokens: sum((result) => result.timings?.cache_n ?? 0),
      completionTokens: sum((result) => result.tokens_predicted ?? result.tokens.length),
    },
  };
}

function openaiStopReason(finishReason: string | null | undefined): VerifierStopReason {
  if (finishReason === "stop") return "stop";
  if (finishReason === "length") return "maxTokens";
  return "other";
}

function llamaStopReason(stopType: string | null | undefined): VerifierStopReason {
  if (stopType === "eos" || stopType === "word") return "stop";
  if (stopType === "limit") return "maxTokens";
  return "other";
}

/** The argmaxes up to the first prompt that generated nothing, and why that prompt stopped. */
function verdict(draft: readonly number[], { answers }: ProbeAnswers) {
  const verifierTokens: number[] = [];
  for (const answer of answers) {
    if (answer.token === undefined) break;
    verifierTokens.push(answer.token);
  }
  const acceptance = acceptFromArgmax(draft, verifierTokens);
  return { verifierTokens, ...acceptance, stopReason: answers[Math.min(acceptance.accepted, answers.length - 1)].stopReason };
}

/** `prefix-probe`: K+1 prompts in one request, one greedy token each. */
export class PrefixProbeVerifier implements TokenVerifier {
  readonly protocol = "prefix-probe";
  readonly route: string;

  constructor(
    private readonly client: VerifierClient,
    readonly variant: PrefixProbeVariant,
  ) {
    this.route = variant === "llama-server" ? "POST /completion" : "POST /completions";
  }

  async verifyDraft(request: DraftVerifyRequest): Promise<DraftVerification> {
    assertVerifiable(request);
    const { context, draft } = request;
    const prompts = draft.length + 1;
    const { transport, serverRoot, apiRoot, model } = this.client;
    const { value, timing } =
      this.variant === "llama-server"
        ? await transport.requestJson("POST", `${serverRoot}/completion`, this.route, prefixProbeLlamaBody(context, draft), request.signal, (json) => parseLlamaCompletions(json, prompts))
        : await transport.requestJson("POST", `${apiRoot}/completions`, this.route, prefixProbeCompletionsBody(model, context, draft), request.signal, (json) => parseProbeCompletions(json, prompts));
    const stats: VerifierCallStats = { ...timing, usage: value.usage };
    return { ...verdict(draft, value), stats };
  }

  /**
   * llama-server and vLLM both serve `POST /tokenize` (llama: `{content}` → `{tokens}`,
   * tools/server/server-context.cpp post_tokenize; vLLM: `{model, prompt}` → `{tokens}`,
   * vllm/entrypoints/openai/api_server.py). Special tokens are parsed, BOS added as for prompts.
   * A server without it (our embedded verifier) is asked by echo.
   */
  async tokenize(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    const body = this.variant === "llama-server" ? { content: text, add_special: true, parse_special: true } : { model: this.client.model, prompt: text };
    try {
      const { value } = await this.client.transport.requestJson("POST", `${this.client.serverRoot}/tokenize`, "POST /tokenize", body, options.signal, (json) =>
        validateResponse(z.object({ tokens: z.array(z.number().int().nonnegative()) }), json, "a token list").tokens,
      );
      return value;
    } catch (error) {
      if (this.variant === "llama-server" || !(error instanceof VerifierRequestError)) throw error;
      return this.client.tokenizeByEcho(text, options);
    }
  }
}
