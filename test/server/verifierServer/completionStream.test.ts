import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";
import { sendableLength } from "../../../server/verifierServer/completionStream.js";
import type { VerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { CODE_PROMPTS, postJson, startTargetVerifier } from "../../helpers/verifierTestKit.js";

// The stream's shape follows OpenAI's API reference (Completions, "stream": data-only server-sent
// events ending with `data: [DONE]`) and vLLM's completion_stream_generator
// (vllm/entrypoints/openai/serving_completion.py): `text_completion` chunks with the new text,
// finish_reason on the last, and with stream_options.include_usage a final `choices: []` chunk.
const server: VerifierServer = await startTargetVerifier({ slots: 2 });

/** The raw events of one streamed request: every `data:` payload, in order. */
async function streamEvents(body: Record<string, unknown>, signal?: AbortSignal): Promise<{ contentType: string | null; events: string[] }> {
  const response = await fetch(`${server.baseUrl}/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  assert.equal(response.status, 200, await response.clone().text());
  const text = await response.text();
  assert.ok(text.endsWith("\n\n"), "every event ends with a blank line");
  const events = text
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => {
      assert.ok(frame.startsWith("data: "), `expected a data frame, found ${JSON.stringify(frame)}`);
      return frame.slice("data: ".length);
    });
  return { contentType: response.headers.get("content-type"), events };
}

test("sendableLength holds back a split character and what could start a stop sequence", () => {
  assert.equal(sendableLength("abc", []), 3);
  assert.equal(sendableLength("ab\uFFFD", []), 2);
  assert.equal(sendableLength("abcdef", ["\n\n\n"]), 4);
  assert.equal(sendableLength("a", ["xyz"]), 0);
});

test("a streamed completion's chunks join to exactly the non-streamed text, with the same finish and usage", async () => {
  for (const [i, prompt] of CODE_PROMPTS.entries()) {
    for (const stop of [undefined, "\n", ["\n\n", ")"]]) {
      const request = { prompt, max_tokens: 24, ...(stop !== undefined && { stop }) };
      const plain = await postJson(`${server.baseUrl}/completions`, request);
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
      const { contentType, events } = await streamEvents({ ...request, stream: true, stream_options: { include_usage: true } });
      const context = `prompt ${i}, stop ${JSON.stringify(stop)}`;
      assert.match(contentType ?? "", /^text\/event-stream/);
      assert.equal(events.at(-1), "[DONE]", context);
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
      const usage = chunks.at(-1);
      assert.deepEqual(usage.choices, [], `${context}: the last chunk carries the usage only`);
      // The same prompt just ran: the streamed request finds it in the slot's cache.
      const { prompt_tokens_details: cached, ...counts } = usage.usage;
      const { prompt_tokens_details: _, ...plainCounts } = plain.body.usage;
      assert.deepEqual(counts, plainCounts, context);
      assert.equal(cached.cached_tokens, plain.body.usage.prompt_tokens, `${context}: cached from the plain request`);
      const content = chunks.slice(0, -1);
      for (const chunk of content) {
        assert.equal(chunk.object, "text_completion");
        assert.equal(chunk.model, plain.body.model);
        assert.equal(chunk.usage, null, "usage is null until the last chunk (include_usage)");
      }
      assert.equal(content.map((chunk) => chunk.choices[0].text).join(""), plain.body.choices[0].text, context);
      assert.deepEqual(content.map((chunk) => chunk.choices[0].finish_reason).filter((reason) => reason !== null), [plain.body.choices[0].finish_reason], context);
      assert.equal(content.at(-1).choices[0].finish_reason, plain.body.choices[0].finish_reason);
    }
  }
});

test("the openai client reads the stream; continuous_usage_stats counts tokens in every chunk", async () => {
  const openai = new OpenAI({ baseURL: server.baseUrl, apiKey: "unused", maxRetries: 0 });
  const prompt = CODE_PROMPTS[1];
  const plain = await openai.completions.create({ model: server.modelId, prompt, max_tokens: 16 });
  const stream = await openai.completions.create({
    model: server.modelId,
    prompt,
    max_tokens: 16,
    stream: true,
    // vLLM's extension to stream_options; unknown to the openai types.
    stream_options: { include_usage: true, continuous_usage_stats: true } as OpenAI.Completions.CompletionCreateParams["stream_options"],
  });
  let text = "";
  let lastCount = 0;
  for await (const chunk of stream) {
    if (chunk.choices.length === 0) continue;
    text += chunk.choices[0].text;
    assert.ok(chunk.usage && chunk.usage.completion_tokens >= lastCount, "completion tokens never go down");
    lastCount = chunk.usage.completion_tokens;
  }
  assert.equal(text, plain.choices[0].text);
  assert.equal(lastCount, plain.usage?.completion_tokens);
});

test("a stream refuses what it cannot stream before the headers: 400, not a broken stream", async () => {
  for (const [extra, param] of [
    [{ echo: true }, "echo"],
    [{ logprobs: 1 }, "logprobs"],
    [{ prompt: [[1, 2], [1]] }, "prompt"],
  ] as const) {
    const response = await postJson(`${server.baseUrl}/completions`, { prompt: CODE_PROMPTS[0], max_tokens: 4, stream: true, ...extra });
    assert.equal(response.status, 400, JSON.stringify(extra));
    assert.equal(response.body.error.param, param);
  }
});

test("closing the stream stops decoding and frees the slot", async () => {
  // One slot, 40 ms per forward pass: 400 tokens would hold it for 16 s.
  const slow = await startTargetVerifier({ slots: 1, stepDelayMs: 40 });
  const controller = new AbortController();
  const response = await fetch(`${slow.baseUrl}/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: CODE_PROMPTS[0], max_tokens: 400, stream: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && new TextDecoder().decode(first.value).startsWith("data: "), "a first chunk arrives while decoding goes on");
  controller.abort();
  await reader.cancel().catch(() => undefined);
  const started = performance.now();
  const next = await postJson(`${slow.baseUrl}/completions`, { prompt: CODE_PROMPTS[1], max_tokens: 1 });
  assert.equal(next.status, 200);
  assert.ok(performance.now() - started < 5_000, `the one slot was free again within 5 s (took ${Math.round(performance.now() - started)} ms)`);
});
