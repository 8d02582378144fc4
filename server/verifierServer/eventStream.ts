/**
 * A response sent as server-sent events in OpenAI's framing: one `data: <json>\n\n` per event,
 * then `data: [DONE]\n\n` (OpenAI's API reference, "Streaming"; vLLM's
 * vllm/entrypoints/openai/serving_completion.py, completion_stream_generator). What
 * `produce` sends after the headers went out cannot change the status: a failure then is an
 * `{"error": ...}` event before `[DONE]`, as vLLM sends it.
 */
export class EventStream {
  constructor(
    /** Sends every event; rejects on failure (or with the signal's reason when the client leaves). */
    readonly produce: (send: (event: unknown) => void) => Promise<void>,
  ) {}
}

/** The server-sent-event frame of one event. */
export function eventFrame(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/** The frame that ends every stream. */
export const DONE_FRAME = "data: [DONE]\n\n";
