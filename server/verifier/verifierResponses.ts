import { z } from "zod";

// Only the fields we read are declared; zod objects ignore the rest, so vendor extras pass.

/** Per position: the verifier's top alternatives for the token at that position (token → logprob). */
export const TopLogprobsSchema = z.record(z.string(), z.number()).nullable();

/** OpenAI's legacy completion logprobs, as vLLM returns them (with `echo`, the prompt's too). */
const LegacyLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  /** null for the first echoed token (nothing precedes it). */
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(TopLogprobsSchema),
  /** Character offset of each token in the choice's text (vLLM: Python code points). */
  text_offset: z.array(z.number().int().nonnegative()),
  /** The token ids, when the server answers with them (llama-server); else read `token_id:<id>` tokens. */
  token_ids: z.array(z.number().int().nonnegative()).optional(),
});
export type CompletionLogprobs = z.infer<typeof LegacyLogprobsSchema>;

const LlamaTopLogprobSchema = z.object({ id: z.number().int().nonnegative(), token: z.string(), logprob: z.number() });
/** llama-server's `/v1/completions` logprobs (tools/server): one entry per generated token, ids included. */
const LlamaLogprobsSchema = z.object({
  content: z.array(LlamaTopLogprobSchema.extend({ top_logprobs: z.array(LlamaTopLogprobSchema).nullish() })),
});

/**
 * llama-server's shape in the legacy one, so every protocol reads one shape: token texts, their
 * top alternatives by text, offsets counted along the tokens, and the ids it gives in `token_ids`.
 */
function legacyFromLlama({ content }: z.infer<typeof LlamaLogprobsSchema>): CompletionLogprobs {
  let offset = 0;
  return {
    tokens: content.map((entry) => entry.token),
    token_logprobs: content.map((entry) => entry.logprob),
    top_logprobs: content.map((entry) => Object.fromEntries((entry.top_logprobs ?? []).map((top) => [top.token, top.logprob]))),
    text_offset: content.map((entry) => {
      const at = offset;
      offset += entry.token.length;
      return at;
    }),
    token_ids: content.map((entry) => entry.id),
  };
}

/** A llama-server-shaped value as the legacy shape; anything else as it came, for the legacy schema to judge. */
function normaliseLogprobs(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("content" in value) || "tokens" in value) return value;
  const llama = LlamaLogprobsSchema.safeParse(value);
  return llama.success ? legacyFromLlama(llama.data) : value;
}

/** Completion logprobs in either shape, as the legacy one (see {@link legacyFromLlama}). */
export const CompletionLogprobsSchema = z.preprocess(normaliseLogprobs, LegacyLogprobsSchema);

function isObjectOrNull(value: unknown): boolean {
  return value === null || (typeof value === "object" && !Array.isArray(value));
}

/** An array whose every element passes `check`, in one loop instead of one zod schema per element. */
function arrayOf<T>(check: (value: unknown) => boolean, expected: string) {
  return z.custom<T[]>((value) => Array.isArray(value) && value.every(check), { message: `expected an array of ${expected}` });
}

/**
 * The same logprobs checked in one plain loop per array: an echoed prompt has one entry per
 * token (~1000), and a zod schema per entry (a record schema for `top_logprobs`) was most of
 * the cost of a verification's parsing. Strings, numbers and offsets are checked as fully as
 * {@link CompletionLogprobsSchema} does; `top_logprobs` entries only as objects or nulls, so a
 * caller validates the entries it reads with {@link TopLogprobsSchema}.
 */
const EchoedLegacyLogprobsSchema = z.object({
  tokens: arrayOf<string>((value) => typeof value === "string", "strings"),
  token_logprobs: arrayOf<number | null>((value) => value === null || typeof value === "number", "numbers or nulls"),
  top_logprobs: arrayOf<z.infer<typeof TopLogprobsSchema>>(isObjectOrNull, "objects (token → logprob) or nulls"),
  text_offset: arrayOf<number>((value) => typeof value === "number" && Number.isInteger(value) && value >= 0, "non-negative integers"),
  token_ids: LegacyLogprobsSchema.shape.token_ids,
});
export const EchoedCompletionLogprobsSchema = z.preprocess(normaliseLogprobs, EchoedLegacyLogprobsSchema);

const PromptTokensDetailsSchema = z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish();

export const UsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  prompt_tokens_details: PromptTokensDetailsSchema,
});

function completionResponseSchema<Logprobs extends z.ZodType>(logprobs: Logprobs) {
  return z.object({
    choices: z
      .array(
        z.object({
          text: z.string(),
          finish_reason: z.string().nullish(),
          logprobs: logprobs.nullish(),
        }),
      )
      .min(1),
    usage: UsageSchema,
  });
}

export const CompletionResponseSchema = completionResponseSchema(CompletionLogprobsSchema);
export type CompletionResponse = z.infer<typeof CompletionResponseSchema>;

/** A completion whose echoed `top_logprobs` entries are left to the caller (see {@link EchoedCompletionLogprobsSchema}). */
export const EchoedCompletionResponseSchema = completionResponseSchema(EchoedCompletionLogprobsSchema);

export const ChatCompletionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema.extend({
    completion_tokens_details: z
      .object({
        accepted_prediction_tokens: z.number().int().nonnegative().nullish(),
        rejected_prediction_tokens: z.number().int().nonnegative().nullish(),
      })
      .nullish(),
  }),
});
export type ChatCompletionResponse = z.infer<typeof ChatCompletionResponseSchema>;

export const ModelListResponseSchema = z.object({
  data: z.array(z.object({ id: z.string() })),
});
