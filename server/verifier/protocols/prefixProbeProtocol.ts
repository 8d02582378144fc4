import type { CompletionCreateParamsNonStreaming } from "openai/resources/completions";
import { z } from "zod";
import { isAbortError } from "../../util/abort.js";
import { DisposedError } from "../../util/disposedError.js";
import { DEFAULT_PROBE_TIMEOUT_MS } from "../verifierClient.js";
import { tokenIdsOf } from "../logprobsAcceptance.js";
import { stopReasonOf, usageOf, type VerifierCallStats, type VerifierStopReason, type VerifierUsage } from "../verifierCalls.js";
import type { VerifierClient } from "../verifierClient.js";
import { VerifierRequestError } from "../verifierRequestError.js";
import { VerifierResponseError } from "../verifierResponseError.js";
import { CompletionLogprobsSchema, UsageSchema } from "../verifierResponses.js";
import { validateResponse } from "../verifierTransport.js";
import { tokenizeByEcho } from "./echoLogprobsProtocol.js";
import { acceptFromArgmax, assertVerifiable, probeByVerifying, tokenIdAt, type DraftVerification, type DraftVerifyRequest, type TokenVerifier } from "./tokenVerifier.js";
import type { VerifierProtocolModule } from "./verifierProtocolModule.js";

// K+1 prompts (context, context+d1, …) in ONE request, one greedy token each: answer i is the
// argmax after context + draft[:i]. No echo, no prompt logprobs, so prefix caches serve the
// context. Two routes: vLLM/SGLang's `/v1/completions`, llama-server's native `/completion`
// (its `/v1` refuses echo and never returns ids). Sources in docs/verifier-protocols.md.

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
        logprobs: CompletionLogprobsSchema.nullish(),
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
    if (!choice.logprobs) throw new VerifierResponseError(`expected choices[${i}].logprobs (asked for logprobs: 1), found none`);
    const [token] = tokenIdsOf(choice.logprobs, `choice ${i}'s generated token`, 0, 1);
    return { token, stopReason: stopReasonOf(choice.finish_reason) };
  });
  return { answers, usage: usageOf(response.usage) };
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
    usage: usageOf({
      prompt_tokens: sum((result) => result.tokens_evaluated ?? 0),
      completion_tokens: sum((result) => result.tokens_predicted ?? result.tokens.length),
      prompt_tokens_details: { cached_tokens: sum((result) => result.timings?.cache_n ?? 0) },
    }),
  };
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
      return tokenizeByEcho(this.client, text, options);
    }
  }
}

function variantNamed(variant: string | undefined): PrefixProbeVariant {
  return variant === "llama-server" ? "llama-server" : "openai-completions";
}

export const prefixProbeProtocol: VerifierProtocolModule = {
  name: "prefix-probe",
  asks: "a list of token-id prompts in one request, each answered with its token id (POST /v1/completions with return_tokens_as_token_ids, or llama-server's POST /completion with return_tokens)",
  // K+1 prompts, the i-th context + i drafts; the cache serves the repeats on self-hosted engines.
  bills: {
    inputPerDraftToken: 0.5,
    completionBaseTokens: 1,
    completionPerDraftToken: 1,
    contextCopiesPerDraftToken: 1,
    inputPerDraftTokenSquared: 0.5,
    summary: "C·(K+1) + K(K+1)/2 input (K+1 prompts; cached on self-hosted engines), K+1 output",
  },
  variants: ["openai-completions", "llama-server"] satisfies PrefixProbeVariant[],
  // llama-server gives each of a round's K+1 prompts a slot; with fewer, the round waits for slots in turns.
  setupWarning({ engine, slots }, k) {
    if (engine !== "llama-server" || slots === undefined || slots >= k + 1) return undefined;
    return `llama-server has ${slots} slot(s), and a round at K=${k} sends ${k + 1} prompts, so each round runs in ${Math.ceil((k + 1) / slots)} turns: start it with -np ${k + 1} (--parallel) or more`;
  },
  // llama-server answers `GET /props`; the others take `/v1/completions`.
  async variantOf(client, signal) {
    try {
      await client.transport.requestJson("GET", `${client.serverRoot}/props`, "GET /props", undefined, signal, (json) => validateResponse(z.object({}), json, "GET /props"), {
        maxRetries: 0,
        timeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
      });
      return "llama-server";
    } catch (error) {
      if (isAbortError(error) || error instanceof DisposedError) throw error;
      return "openai-completions";
    }
  },
  probe: (client, { context, draft, signal }, variant) => probeByVerifying(new PrefixProbeVerifier(client, variantNamed(variant)), { context, draft, signal }),
  roundVerifier: (client, { variant, sharedTokenizer }) => (sharedTokenizer ? { loop: "tokenIds", verifier: new PrefixProbeVerifier(client, variantNamed(variant)) } : undefined),
};
