import assert from "node:assert/strict";
import { after, test } from "node:test";
import { streamGeneration } from "../../../server/verifier/streamingGeneration.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { VerifierUnavailableError } from "../../../server/verifier/verifierUnavailableError.js";
import { isAbortError } from "../../../server/util/abort.js";
import { startFaultyHttpServer } from "../../helpers/faultyHttpServer.js";
import { CODE_PROMPTS, startTargetVerifier } from "../../helpers/verifierTestKit.js";

// Model-dependent: streamed verifier-only generation against the embedded verifier, and the
// stream's failures against a scripted server.

const server = await startTargetVerifier({ slots: 2 });
const client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId });
after(() => client.dispose());

const firstLineDone = (text: string) => /\S[^\n]*\n/.test(text);

test("streamed to the end, the text, finish and usage are the non-streamed generation's", async () => {
  for (const prompt of CODE_PROMPTS) {
    const plain = await client.generate({ prompt, maxTokens: 32 });
    const streamed = await streamGeneration(client, { prompt, maxTokens: 32 });
    assert.equal(streamed.text, plain.text);
    assert.equal(streamed.stopReason, plain.stopReason);
    assert.equal(streamed.usage?.completionTokens, plain.stats.usage.completionTokens);
    assert.equal(streamed.usage?.promptTokens, plain.stats.usage.promptTokens);
    assert.ok(streamed.firstTextMs === undefined || streamed.firstTextMs <= streamed.timing.latencyMs);
  }
});

test("a stop rule ends the stream at the first line: the text so far is the start of the whole generation", async () => {
  let stoppedEarly = 0;
  for (const prompt of CODE_PROMPTS) {
    const whole = await streamGeneration(client, { prompt, maxTokens: 48 });
    const asked: string[] = [];
    const cut = await streamGeneration(client, { prompt, maxTokens: 48, shouldStop: (text) => (asked.push(text), firstLineDone(text)) });
    assert.ok(whole.text.startsWith(cut.text), `${JSON.stringify(cut.text)} starts ${JSON.stringify(whole.text)}`);
    if (cut.stopReason === "stopRule") {
      stoppedEarly++;
      assert.ok(firstLineDone(cut.text));
      assert.equal(asked.at(-1), cut.text, "stopped at the chunk that completed the line");
      assert.ok(asked.slice(0, -1).every((text) => !firstLineDone(text)));
      assert.ok(cut.chunks <= whole.chunks);
    } else assert.equal(cut.text, whole.text, "no line ended: the whole generation");
  }
  assert.ok(stoppedEarly > 0, "some prompt's greedy output has a line break within 48 tokens");
});

test("cancelling mid-stream rejects with an AbortError at once", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const run = streamGeneration(client, {
    prompt: CODE_PROMPTS[0],
    maxTokens: 400,
    signal: controller.signal,
    shouldStop: () => {
      controller.abort();
      return false;
    },
  });
  await assert.rejects(run, (error) => isAbortError(error));
  assert.ok(performance.now() - started < 5_000);
});

test("a stream cut short, an error event, or a garbled chunk is a named verifier error", async () => {
  const faulty = await startFaultyHttpServer();
  const faultyClient = new VerifierClient({ baseUrl: faulty.baseUrl, model: "m", maxRetries: 0 });
  const chunk = (text: string, finish: string | null = null) => `data: ${JSON.stringify({ object: "text_completion", choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
  const sse = { "content-type": "text/event-stream" };
  try {
    faulty.enqueue({ kind: "raw", headers: sse, body: chunk("a") + chunk("b") });
    await assert.rejects(streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 }), (error) => error instanceof VerifierUnavailableError && /finish_reason/.test(error.message));
    faulty.enqueue({ kind: "raw", headers: sse, body: chunk("a") + `data: ${JSON.stringify({ error: { message: "out of memory" } })}\n\ndata: [DONE]\n\n` });
    await assert.rejects(streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 }), (error) => error instanceof VerifierUnavailableError && /out of memory/.test(error.message));
    faulty.enqueue({ kind: "raw", headers: sse, body: `data: ${JSON.stringify({ choices: [{ text: 5 }] })}\n\ndata: [DONE]\n\n` });
    await assert.rejects(streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 }), VerifierResponseError);
    faulty.enqueue({ kind: "cutMidBody", body: chunk("a") + chunk("bcdefgh".repeat(50)), bytesBeforeCut: 120 });
    await assert.rejects(streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 }), VerifierUnavailableError);
    faulty.enqueue({ kind: "raw", headers: sse, body: chunk("a") + chunk("b", "length") + "data: [DONE]\n\n" });
    const ok = await streamGeneration(faultyClient, { prompt: "x", maxTokens: 2 });
    assert.deepEqual([ok.text, ok.stopReason, ok.chunks, ok.usage], ["ab", "maxTokens", 2, undefined]);
    const sent = faulty.requests.at(-1)!.json as Record<string, unknown>;
    assert.deepEqual([sent.stream, sent.stream_options, sent.temperature, sent.max_tokens], [true, { include_usage: true, continuous_usage_stats: true }, 0, 2]);
  } finally {
    faultyClient.dispose();
    await faulty.close();
  }
});

test("an endpoint that refuses vLLM's continuous usage, or stream_options at all, is asked again without, and remembered", async () => {
  const faulty = await startFaultyHttpServer();
  const faultyClient = new VerifierClient({ baseUrl: faulty.baseUrl, model: "m", maxRetries: 0 });
  const done = `data: ${JSON.stringify({ choices: [{ index: 0, text: "a", finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;
  const refuse = (argument: string) => ({ kind: "json" as const, status: 400, body: { error: { message: `Unrecognized request argument supplied: ${argument}` } } });
  try {
    faulty.enqueue(refuse("continuous_usage_stats"), refuse("stream_options"), { kind: "raw", headers: { "content-type": "text/event-stream" }, body: done });
    assert.equal((await streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 })).text, "a");
    const options = faulty.requests.map((r) => (r.json as { stream_options?: unknown }).stream_options);
    assert.deepEqual(options, [{ include_usage: true, continuous_usage_stats: true }, { include_usage: true }, undefined]);
    faulty.enqueue({ kind: "raw", headers: { "content-type": "text/event-stream" }, body: done });
    await streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 });
    assert.equal((faulty.requests.at(-1)!.json as { stream_options?: unknown }).stream_options, undefined, "remembered: no second refusal");
    faulty.enqueue(refuse("temperature"));
    await assert.rejects(streamGeneration(faultyClient, { prompt: "x", maxTokens: 4 }), /temperature/);
  } finally {
    faultyClient.dispose();
    await faulty.close();
  }
});
