import assert from "node:assert/strict";
import { test } from "node:test";
import { LLAMA_SERVER_WARMUP, ONE_TOKEN_COMPLETION_WARMUP } from "../../../server/verifier/promptWarmup.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { startFaultyHttpServer } from "../../helpers/faultyHttpServer.js";

test("each endpoint kind's warm-up sends its cheapest prefill request and reads what it billed", async () => {
  const server = await startFaultyHttpServer();
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "m", maxRetries: 0 });
  try {
    server.enqueue({
      kind: "json",
      body: { id: "c", object: "text_completion", created: 0, model: "m", choices: [{ index: 0, text: "x", finish_reason: "length", logprobs: null }], usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13, prompt_tokens_details: { cached_tokens: 8 } } },
    });
    const oneToken = await ONE_TOKEN_COMPLETION_WARMUP.warm(client, [1, 2, 3]);
    assert.deepEqual(oneToken.usage, { promptTokens: 12, cachedTokens: 8, completionTokens: 1 });
    const sent = server.requests.at(-1)!;
    assert.equal(sent.url, "/v1/completions");
    assert.deepEqual([(sent.json as { max_tokens: number }).max_tokens, (sent.json as { prompt: number[] }).prompt], [1, [1, 2, 3]]);

    server.enqueue({ kind: "json", body: { content: "", tokens_evaluated: 40, timings: { prompt_n: 6, cache_n: 34 } } });
    const llama = await LLAMA_SERVER_WARMUP.warm(client, "<|fim_prefix|>a");
    assert.deepEqual(llama.usage, { promptTokens: 40, cachedTokens: 34, completionTokens: 0 });
    const native = server.requests.at(-1)!;
    assert.equal(native.url, "/completion");
    assert.deepEqual(native.json, { prompt: "<|fim_prefix|>a", n_predict: 0, cache_prompt: true, temperature: 0 });
  } finally {
    client.dispose();
    await server.close();
  }
});
