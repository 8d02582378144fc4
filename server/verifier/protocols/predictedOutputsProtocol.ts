import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { stopReasonOf, usageOf, type PredictedOutputsCompletion, type PredictRequest } from "../verifierCalls.js";
import type { VerifierClient } from "../verifierClient.js";
import { ChatCompletionResponseSchema } from "../verifierResponses.js";
import { validateResponse } from "../verifierTransport.js";
import type { VerifierProtocolModule } from "./verifierProtocolModule.js";

// The drafted text is the `prediction` of ONE chat completion of the whole budget; the answer
// reports only how many prediction tokens it accepted and rejected. Exact: the server generates
// from its own tokens. Sources in docs/verifier-protocols.md.

/** The chat body of a prediction. */
export function predictionBody(model: string, prompt: string, prediction: string, maxTokens: number) {
  return {
    model,
    messages: [{ role: "user" as const, content: prompt }],
    prediction: { type: "content" as const, content: prediction },
    max_tokens: maxTokens,
    temperature: 0,
  } satisfies ChatCompletionCreateParamsNonStreaming;
}

/** `/v1/chat/completions` with the draft as `prediction`. */
export async function predict(client: VerifierClient, request: PredictRequest): Promise<PredictedOutputsCompletion> {
  const body = predictionBody(client.model, request.prompt, request.prediction, request.maxTokens);
  const { value, timing } = await client.chatCompletions(body, request.signal, (json) => {
    const response = validateResponse(ChatCompletionResponseSchema, json, "a chat completion");
    const [choice] = response.choices;
    const details = response.usage.completion_tokens_details;
    return {
      text: choice.message.content ?? "",
      acceptedPredictionTokens: details?.accepted_prediction_tokens ?? 0,
      rejectedPredictionTokens: details?.rejected_prediction_tokens ?? 0,
      stopReason: stopReasonOf(choice.finish_reason),
      usage: usageOf(response.usage),
    };
  });
  const { usage, ...result } = value;
  return { ...result, stats: { ...timing, usage } };
}

const PredictionUsageSchema = z.object({
  usage: z.object({
    completion_tokens_details: z.object({ accepted_prediction_tokens: z.number().int().nonnegative(), rejected_prediction_tokens: z.number().int().nonnegative() }),
  }),
});

export const predictedOutputsProtocol: VerifierProtocolModule = {
  name: "predicted-outputs",
  asks: "POST /v1/chat/completions with prediction, reporting accepted/rejected prediction tokens",
  // The context once per completion; rejected prediction tokens are billed as output.
  bills: { inputPerDraftToken: 0, completionBaseTokens: 1, completionPerDraftToken: 1, summary: "C input per completion; output = generated + rejected prediction tokens" },
  async probe(client, { signal, policy }) {
    const { value } = await client.transport.requestJson("POST", `${client.apiRoot}/chat/completions`, "POST /chat/completions", predictionBody(client.model, "x", "y", 1), signal, (json) =>
      validateResponse(PredictionUsageSchema, json, "usage.completion_tokens_details with accepted_prediction_tokens and rejected_prediction_tokens (the prediction was honoured)"),
    policy);
    const details = value.usage.completion_tokens_details;
    return `POST /chat/completions reported ${details.accepted_prediction_tokens} accepted / ${details.rejected_prediction_tokens} rejected prediction tokens`;
  },
  roundVerifier(client) {
    return { loop: "prediction", verifier: { predict: (request) => predict(client, request) } };
  },
};
