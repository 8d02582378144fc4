import { z } from "zod";

/** Most top alternatives a request may ask for per position (OpenAI's legacy limit is 5). */
export const MAX_LOGPROBS = 5;
/** Most stop sequences per request (OpenAI's limit). */
export const MAX_STOP_SEQUENCES = 4;

const TokenIdSchema = z.number().int().min(0);

/** Most prompts in one completions request (a prefix-probe round of K = 8 sends 9). */
export const MAX_PROMPTS_PER_REQUEST = 64;

/**
 * OpenAI accepts a string, token ids, or a batch of either. A batch of one string is unwrapped
 * to it; a list of token-id arrays is a batch (one choice per prompt, in order: vLLM's and
 * OpenAI's semantics), which is what the prefix-probe protocol sends. Batches of strings are
 * not supported.
 */
const PromptSchema = z.union(
  [
    z.string(),
    z.array(TokenIdSchema).min(1),
    z.tuple([z.string()]).transform(([text]) => text),
    z.array(z.array(TokenIdSchema).min(1)).min(1).max(MAX_PROMPTS_PER_REQUEST),
  ],
  {
    error: `prompt must be a string, a non-empty array of token ids, an array holding one string, or a list of at most ${MAX_PROMPTS_PER_REQUEST} non-empty token-id arrays`,
  },
);

const StopSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP_SEQUENCES)], {
    error: `stop must be a non-empty string or an array of at most ${MAX_STOP_SEQUENCES} non-empty strings`,
  })
  .nullish();

/** Only greedy decoding is implemented: a verifier must be deterministic, so sampling is refused, not faked. */
const TemperatureSchema = z
  .number()
  .min(0)
  .max(2)
  .nullish()
  .refine((t) => !t, { error: "only greedy decoding is implemented: temperature must be 0 (or omitted)" });

const NoStreamSchema = z
  .boolean()
  .nullish()
  .refine((s) => s !== true, { error: "stream: true is not supported by this server; send stream: false" });

/** Options that would change the greedy output are refused unless they are neutral. */
const NeutralPenaltySchema = z
  .number()
  .nullish()
  .refine((p) => !p, { error: "penalties are not supported: only 0 is accepted" });

const NoLogitBiasSchema = z
  .record(z.string(), z.number())
  .nullish()
  .refine((b) => !b || Object.keys(b).length === 0, { error: "logit_bias is not supported" });

/** Fields both endpoints share. Unknown fields are ignored (zod strips them), as OpenAI clients send many. */
const commonFields = {
  /** Accepted and ignored: the server serves one model. */
  model: z.string().nullish(),
  max_tokens: z.number().int().min(0).nullish(),
  temperature: TemperatureSchema,
  /** Irrelevant under greedy decoding; range-checked only. */
  top_p: z.number().min(0).max(1).nullish(),
  n: z.literal(1, { error: "n must be 1" }).nullish(),
  stop: StopSchema,
  stream: NoStreamSchema,
  seed: z.number().int().nullish(),
  user: z.string().nullish(),
  frequency_penalty: NeutralPenaltySchema,
  presence_penalty: NeutralPenaltySchema,
  logit_bias: NoLogitBiasSchema,
  /** vLLM's extension: every token string becomes `token_id:<id>`, so clients compare ids exactly. */
  return_tokens_as_token_ids: z.boolean().nullish(),
};

/**
 * `stream_options` as OpenAI and vLLM take it (vllm/entrypoints/openai/protocol.py,
 * StreamOptions): `include_usage` adds a last chunk with `choices: []` and the usage;
 * `continuous_usage_stats` (vLLM's) puts the usage so far in every chunk.
 */
const StreamOptionsSchema = z
  .object({
    include_usage: z.boolean().nullish(),
    continuous_usage_stats: z.boolean().nullish(),
  })
  .nullish();

export const CompletionRequestSchema = z.object({
  ...commonFields,
  /** Server-sent events, one chunk per generated token (server/verifierServer/completionStream.ts). */
  stream: z.boolean().nullish(),
  stream_options: StreamOptionsSchema,
  prompt: PromptSchema,
  echo: z.boolean().nullish(),
  logprobs: z.number().int().min(0).max(MAX_LOGPROBS).nullish(),
  best_of: z.literal(1, { error: "best_of must be 1" }).nullish(),
  suffix: z
    .string()
    .nullish()
    .refine((s) => !s, { error: "suffix is not supported: put FIM tokens (<|fim_prefix|>...) in the prompt instead" }),
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

const TextContentSchema = z.union([z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }))], {
  error: "content must be a string or an array of {type: \"text\", text} parts",
});

const ChatMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: TextContentSchema.nullish(),
  name: z.string().nullish(),
});

export const ChatCompletionRequestSchema = z.object({
  ...commonFields,
  messages: z.array(ChatMessageSchema).min(1),
  max_completion_tokens: z.number().int().min(0).nullish(),
  /** OpenAI predicted outputs: the content is verified as a draft in one batched evaluation. */
  prediction: z.object({ type: z.literal("content"), content: TextContentSchema }).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(MAX_LOGPROBS).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The text of a message or prediction content: parts are joined without separators. */
export function contentText(content: z.infer<typeof TextContentSchema> | null | undefined): string {
  if (content == null) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/**
 * SGLang's native `POST /generate`, the subset a verifier needs: SGLang's GenerateReqInput
 * (python/sglang/srt/managers/io_struct.py) and its sampling params
 * (python/sglang/srt/sampling/sampling_params.py). One prompt per request (text or input_ids);
 * greedy only; unknown fields are ignored.
 */
export const GenerateRequestSchema = z
  .object({
    text: z.string().nullish(),
    input_ids: z.array(TokenIdSchema).min(1, { error: "input_ids must not be empty" }).nullish(),
    sampling_params: z
      .object({
        /** SGLang's default is 128. */
        max_new_tokens: z.number().int().min(0).nullish(),
        temperature: TemperatureSchema,
        top_p: z.number().min(0).max(1).nullish(),
        top_k: z.number().int().nullish(),
        stop: StopSchema,
        frequency_penalty: NeutralPenaltySchema,
        presence_penalty: NeutralPenaltySchema,
        repetition_penalty: z
          .number()
          .nullish()
          .refine((p) => p == null || p === 1, { error: "repetition_penalty is not supported: only 1 is accepted" }),
        n: z.literal(1, { error: "n must be 1" }).nullish(),
      })
      .nullish(),
    return_logprob: z.boolean().nullish(),
    /** -1 (SGLang's default): logprobs of the output only (and the last input token, with a null logprob). */
    logprob_start_len: z.number().int().min(-1).nullish(),
    top_logprobs_num: z.number().int().min(0).max(MAX_LOGPROBS).nullish(),
    return_text_in_logprobs: z.boolean().nullish(),
    stream: NoStreamSchema,
    rid: z.string().nullish(),
  })
  .refine((request) => (request.text == null) !== (request.input_ids == null), {
    error: "exactly one of text and input_ids must be given (batches are not supported)",
  });
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;
