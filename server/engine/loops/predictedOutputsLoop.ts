import type { LoopResult, PredictionLoopInput } from "./loopTypes.js";

/**
 * Predicted outputs (OpenAI, Fireworks): the drafter's continuation of k tokens goes as
 * `prediction` on ONE chat completion of the whole budget; the server generates greedily from
 * its own tokens, using the prediction to go faster, and reports how much of it it accepted.
 *
 * One call, not rounds: a second round would send the verifier's output back as text, which it
 * re-tokenizes, and a re-tokenization that differs from how it generated the text changes what
 * comes next. In one call the text is the server's own, so the output is exact whatever the draft.
 */
export async function runPredictedOutputsLoop(input: PredictionLoopInput): Promise<LoopResult> {
  const { drafter, verifier, prompt, maxTokens, signal, meter } = input;
  const draft = await drafter.draft(input.documentKey, prompt.tokens, Math.min(input.k, maxTokens), signal);
  const endAt = draft.tokens.findIndex((token) => drafter.isEndOfGeneration(token));
  const predicted = endAt >= 0 ? draft.tokens.slice(0, endAt) : draft.tokens;
  const prediction = drafter.textAfter(predicted, prompt.tokens);
  const result = await verifier.predict({ prompt: prompt.text, prediction, maxTokens, signal });
  meter.addRound(draft.tokenMs, draft.tokens.length, result.acceptedPredictionTokens, result.stats);
  const tokens = result.stats.usage.completionTokens;
  return { text: result.text, tokens, stopReason: result.stopReason === "stop" ? "eos" : "maxTokens" };
}
