import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { buildTextOnlyPrompt } from "../../../server/prompt/completionPrompt.js";
import { contextWindowFromError, discoverContextWindow } from "../../../server/prompt/contextWindow.js";
import { lastBytes, PromptBudget } from "../../../server/prompt/promptBudget.js";

async function serve(routes: Record<string, unknown>): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = routes[req.url ?? ""];
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { error: "not found" }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, close: () => new Promise((done) => server.close(() => done())) };
}

describe("prompt budget: prompts sized to the real context windows", () => {
  it("reads max_model_len from /v1/models (vLLM, SGLang) and n_ctx from /props (llama-server)", async () => {
    const vllm = await serve({ "/v1/models": { data: [{ id: "other", max_model_len: 4096 }, { id: "coder", max_model_len: 1024 }] } });
    const llamaServer = await serve({ "/props": { default_generation_settings: { n_ctx: 2048 } } });
    const none = await serve({ "/v1/models": { data: [{ id: "coder" }] } });
    try {
      assert.equal(await discoverContextWindow({ baseUrl: vllm.baseUrl, model: "coder" }), 1024);
      assert.equal(await discoverContextWindow({ baseUrl: llamaServer.baseUrl, model: "coder" }), 2048);
      assert.equal(await discoverContextWindow({ baseUrl: none.baseUrl, model: "coder" }), undefined);
    } finally {
      await Promise.all([vllm.close(), llamaServer.close(), none.close()]);
    }
  });

  it("learns the window from a refusal's message", () => {
    assert.equal(contextWindowFromError("This model's maximum context length is 1024 tokens. However, you requested 1380 tokens"), 1024);
    assert.equal(contextWindowFromError("the prompt text is longer than this model's context of 2048 tokens can hold"), 2048);
    assert.equal(contextWindowFromError("the request exceeds the available context size (512 tokens)"), 512);
    assert.equal(contextWindowFromError("rate limited"), undefined);
  });

  it("leaves room for the completion and the draft in the smaller window", () => {
    const budget = new PromptBudget({ drafterWindow: 4096, verifierWindow: 1024 });
    assert.equal(budget.maxPromptTokens(64, 8), 1024 - 64 - 8 - 8);
    const window = budget.windowOptions({}, 64, 8);
    assert.ok((window.maxPrefixTokens ?? 0) + (window.maxSuffixTokens ?? 0) <= 1024 - 64 - 8 - 8);
    // Windows far larger than the caps keep the caps (a cost choice).
    assert.deepEqual(new PromptBudget({ verifierWindow: 32768 }).windowOptions({}, 64, 8), { maxPrefixTokens: 768, maxSuffixTokens: 256 });
  });

  it("cuts text without a tokenizer in bytes, never more than the caps in tokens, until the verifier's counts are seen", () => {
    const line = "const value = compute(alpha, beta); // ünïcode\n";
    const prefix = line.repeat(200);
    const budget = new PromptBudget({ verifierWindow: 1024 });
    const window = budget.windowOptions({}, 64, 0);
    const first = buildTextOnlyPrompt(prefix, "", window, budget);
    const prefixBytes = (prompt: { text: string }) => Buffer.byteLength(prompt.text.slice("<|fim_prefix|>".length, prompt.text.indexOf("<|fim_suffix|>")), "utf8");
    assert.ok(prefixBytes(first) <= (window.maxPrefixTokens ?? 0), `${prefixBytes(first)} bytes for ${window.maxPrefixTokens} tokens`);
    budget.observe(3000, 1000); // 3 bytes per token measured
    const second = buildTextOnlyPrompt(prefix, "", window, budget);
    assert.ok(prefixBytes(second) > prefixBytes(first) && prefixBytes(second) <= 3 * (window.maxPrefixTokens ?? 0));
    assert.equal(lastBytes("aé", 2), "é");
  });
});
