import { randomUUID } from "node:crypto";
import type { Token } from "node-llama-cpp";
import { checkFits, completionPrompts, DEFAULT_COMPLETION_MAX_TOKENS, decodeOnSlot, outputText, stopList, type VerifierEndpointContext } from "./completionEndpoints.js";
import { EventStream } from "./eventStream.js";
import type { CompletionRequest } from "./requestSchemas.js";
import { finishReason, type CompletionUsage, type FinishReason } from "./responseShaping.js";
import { findStopSequence, TokenText } from "./tokenText.js";
import { invalidRequest } from "./verifierHttpError.js";

const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * One chunk of a streamed legacy completion, shaped as OpenAI's `text_completion` stream and
 * vLLM's CompletionStreamResponse (vllm/entrypoints/openai/protocol.py): the text generated
 * since the previous chunk, `finish_reason` on the last one; with `include_usage`, `usage` is
 * null until a final chunk with `choices: []` carries it.
 */
export interface CompletionChunk {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: { index: 0; text: string; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: CompletionUsage | null;
}

/**
 * How much of the text generated so far can be sent without ever taking it back: not a
 * trailing U+FFFD (a character whose bytes are split across tokens), and not the last
 * `longest stop − 1` characters (a stop sequence may start there and is never sent). Text
 * held back goes in a later chunk, so the chunks join to exactly the non-streamed text.
 */
export function sendableLength(text: string, stops: readonly string[]): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === REPLACEMENT_CHARACTER) end--;
  const holdBack = stops.length === 0 ? 0 : Math.max(...stops.map((stop) => stop.length)) - 1;
  return Math.max(0, Math.min(end, text.length - holdBack));
}

/**
 * `POST /v1/completions` with `stream: true`: the same greedy decoding as the non-streamed
 * request (the same slot choice, cache reuse and stop rules), its text sent token by token as
 * it is generated. One prompt, without echo or logprobs (what streaming clients ask for). The
 * request is checked before the headers go out, so a bad one still gets its 400. The client
 * closing the connection aborts decoding (the handler's signal) and frees the slot.
 */
export function createCompletionStream(context: VerifierEndpointContext, request: CompletionRequest, signal: AbortSignal): EventStream {
  const prompts = completionPrompts(context, request.prompt);
  if (prompts.length > 1) throw invalidRequest("stream: true takes one prompt, not a batch", "prompt");
  if (request.echo) throw invalidRequest("echo is not supported with stream: true", "echo");
  if (request.logprobs != null) throw invalidRequest("logprobs are not supported with stream: true", "logprobs");
  const [{ tokens: prompt }] = prompts;
  const maxTokens = request.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS;
  checkFits(context, prompt.length, maxTokens, "max_tokens");
  const stops = stopList(request.stop);
  const includeUsage = request.stream_options?.include_usage ?? false;
  const continuousUsage = request.stream_options?.continuous_usage_stats ?? false;
  const text = new TokenText(context.model);
  const id = `cmpl-${randomUUID().replaceAll("-", "")}`;
  const created = Math.floor(Date.now() / 1000);

  let cachedTokens = 0;
  const chunk = (delta: string, finish: FinishReason | null, completionTokens: number): CompletionChunk => ({
    id,
    object: "text_completion",
    created,
    model: context.modelId,
    choices: [{ index: 0, text: delta, logprobs: null, finish_reason: finish }],
    // vLLM's running usage, with the cached prompt tokens too: a client that closes the stream early still knows what it billed.
    ...(continuousUsage
      ? {
          usage: {
            prompt_tokens: prompt.length,
            completion_tokens: completionTokens,
            total_tokens: prompt.length + completionTokens,
            prompt_tokens_details: { cached_tokens: cachedTokens },
          },
        }
      : includeUsage && { usage: null }),
  });

  return new EventStream(async (send) => {
    let sent = 0;
    const sendNew = (output: readonly Token[]) => {
      const generated = text.text(output, prompt);
      const end = sendableLength(generated, stops);
      if (end <= sent) return;
      send(chunk(generated.slice(sent, end), null, output.length));
      sent = end;
    };
    await decodeOnSlot(
      context,
      {
        prompt,
        maxTokens,
        onPromptCached: (cached) => (cachedTokens = cached),
        shouldStop: (output) => {
          const stopped = stops.length > 0 && findStopSequence(text.text(output, prompt), stops) >= 0;
          if (!stopped) sendNew(output);
          return stopped;
        },
      },
      signal,
      (result) => {
        const whole = outputText(text, prompt, result, stops);
        send(chunk(whole.slice(sent), finishReason(result.stopReason), result.output.length));
        if (includeUsage) {
          const completionTokens = result.output.length;
          send({
            id,
            object: "text_completion",
            created,
            model: context.modelId,
            choices: [],
            usage: {
              prompt_tokens: prompt.length,
              completion_tokens: completionTokens,
              total_tokens: prompt.length + completionTokens,
              prompt_tokens_details: { cached_tokens: result.cachedTokens },
            },
          });
        }
      },
    );
  });
}
