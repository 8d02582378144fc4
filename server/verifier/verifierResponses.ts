import { z } from "zod";

// Only the fields we read are declared; zod objects ignore the rest, so vendor extras pass.

/** Per position: the verifier's top alternatives for the token at that position (token → logprob). */
export const TopLogprobsSchema = z.record(z.string(), z.number()).nullable();

/** OpenAI's legacy completion logprobs, as vLLM and llama.cpp return them with `echo`. */
export const CompletionLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  /** null for the first echoed token (nothing precedes it). */
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(TopLogprobsSchema),
  /** Character offset of each token in the choice's text (vLLM: Python code points). */
  text_offset: z.array(z.number().int().nonnegative()),
});
export type CompletionLogprobs = z.infer<typeof CompletionLogprobsSchema>;

function isObjectOrNull(value: unknown): boolean {
  return value === null || (typeof value === "object" && !Array.isArray(value));
}

/**
 * The same logprobs with `top_logprobs` checked only as an array of objects or nulls, in one
 * loop: an echoed prompt has one entry per token (~1000) and a record schema per entry was
 * most of the cost of validating a verification. A caller validates the entries it reads
 * with {@link TopLogprobsSchema}. The arrays of strings and numbers stay fully checked (cheap).
 */
export const EchoedCompletionLogprobsSchema = CompletionLogprobsSchema.extend({
  top_logprobs: z.custom<z.infer<typeof TopLogprobsSchema>[]>((value) => Array.isArray(value) && value.every(isObjectOrNull), {
    message: "expected an array of objects (token → logprob) or nulls",
  }),
});

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
