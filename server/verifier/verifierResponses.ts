import { z } from "zod";

// Only the fields we read are declared; zod objects ignore the rest, so vendor extras pass.

/** OpenAI's legacy completion logprobs, as vLLM and llama.cpp return them with `echo`. */
export const CompletionLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  /** null for the first echoed token (nothing precedes it). */
  token_logprobs: z.array(z.number().nullable()),
  /** Per position: the verifier's top alternatives for the token at that position. */
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
  /** Character offset of each token in the choice's text (vLLM: Python code points). */
  text_offset: z.array(z.number().int().nonnegative()),
});
export type CompletionLogprobs = z.infer<typeof CompletionLogprobsSchema>;

const PromptTokensDetailsSchema = z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish();

export const UsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  prompt_tokens_details: PromptTokensDetailsSchema,
});

export const CompletionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string(),
        finish_reason: z.string().nullish(),
        logprobs: CompletionLogprobsSchema.nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema,
});
export type CompletionResponse = z.infer<typeof CompletionResponseSchema>;

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
