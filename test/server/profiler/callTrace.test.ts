import assert from "node:assert/strict";
import { test } from "node:test";
import { CallRecorder } from "../../../server/profiler/callTrace.js";
import type { VerifierClient } from "../../../server/verifier/verifierClient.js";

test("a streamed generation is traced from its opening to the completion's end, with its first bytes", async () => {
  const encoder = new TextEncoder();
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      await held; // the prefill: no bytes until the verifier has processed the prompt
      controller.enqueue(encoder.encode("data: {}\n\n"));
      controller.close();
    },
  });
  const timing = { latencyMs: 1, attemptMs: 1, networkMs: 0, attempts: 1 };
  const fake = { transport: { openStream: async () => ({ value: new Response(body), timing }) } } as unknown as VerifierClient;
  const recorder = new CallRecorder();
  const client = recorder.client(fake);
  recorder.begin();
  const opened = await client.transport.openStream("http://x/v1/completions", "POST /completions (stream)", { prompt: [1, 2, 3] }, undefined);
  const openedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 30));
  release();
  assert.equal(await opened.value.text(), "data: {}\n\n");
  const trace = recorder.end();
  assert.equal(trace.verifierCalls.length, 1);
  const call = trace.verifierCalls[0];
  assert.equal(call.kind, "generate");
  assert.equal(call.contextTokens, 3);
  assert.ok(call.firstByteMs !== undefined && call.firstByteMs >= openedAt + 25, `first bytes after the held prefill (${call.firstByteMs} vs ${openedAt})`);
  assert.equal(call.endMs, trace.endMs);
});
