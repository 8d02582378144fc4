// `predicted-outputs`: the K drafted tokens, as text, are the `prediction` of ONE chat
// completion of the whole budget (`POST /v1/chat/completions`, `prediction: {type: "content",
// content}`; openai-node src/resources/chat/completions/completions.ts,
// ChatCompletionCreateParamsBase.prediction). The answer reports only aggregates,
// `usage.completion_tokens_details.accepted_prediction_tokens` / `rejected_prediction_tokens`,
// and "like reasoning tokens, these [rejected] tokens are still counted in the total completion
// tokens for purposes of billing" (openai-node src/resources/completions.ts,
// CompletionUsage.CompletionTokensDetails). Fireworks and Mistral accept the same field.
// Always exact: the server generates greedily from its own tokens and only uses the prediction
// to go faster, so nothing of the draft reaches the output unless the verifier chose it.

/** The chat body of a prediction (VerifierClient.predict sends it; detection sends a one-token one). */
export function predictionBody(model: string, prompt: string, prediction: string, maxTokens: number) {
  return {
    model,
    messages: [{ role: "user" as const, content: prompt }],
    prediction: { type: "content" as const, content: prediction },
    max_tokens: maxTokens,
    temperature: 0,
  };
}
