import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { test } from "node:test";
import OpenAI from "openai";
import { CODE_PROMPTS, postJson, startTargetVerifier } from "../../helpers/verifierTestKit.js";

const server = await startTargetVerifier({ slots: 1, contextSize: 256 });
const keyed = await startTargetVerifier({ slots: 1, contextSize: 256, apiKey: "sk-test-key", modelId: "verifier-under-test" });

function assertOpenAiError(body: any, status: number, context: string): void {
  assert.ok(status >= 400 && status < 500, `${context}: expected 4xx, got ${status} ${JSON.stringify(body)}`);
  assert.equal(typeof body.error?.message, "string", context);
  assert.equal(typeof body.error?.type, "string", context);
  assert.ok("param" in body.error && "code" in body.error, context);
}

async function alive(): Promise<void> {
  const { status, body } = await postJson(`${server.baseUrl}/completions`, { prompt: CODE_PROMPTS[0], max_tokens: 2 });
  assert.equal(status, 200, JSON.stringify(body));
}

test("malformed, mistyped and unservable bodies get OpenAI-style 400s naming the field", async () => {
  const cases: [string, unknown, string | null][] = [
    ["/completions", "{not json", null],
    ["/completions", "", null],
    ["/completions", [1, 2, 3], null],
    ["/completions", { prompt: 42 }, "prompt"],
    ["/completions", { prompt: [] }, "prompt"],
    ["/completions", { prompt: ["a", "b"] }, "prompt"],
    ["/completions", { prompt: [[1], []] }, "prompt"],
    ["/completions", { prompt: [[1], [2, 796]] }, "prompt"],
    ["/completions", { prompt: [1, -1] }, "prompt"],
    ["/completions", { prompt: [1, 1.5] }, "prompt"],
    ["/completions", { prompt: [1, 796] }, "prompt"],
    ["/completions", { prompt: "" }, "prompt"],
    ["/completions", { prompt: "x", max_tokens: -1 }, "max_tokens"],
    ["/completions", { prompt: "x", max_tokens: "16" }, "max_tokens"],
    ["/completions", { prompt: "x", max_tokens: 1_000_000 }, "max_tokens"],
    ["/completions", { prompt: "x", logprobs: 6 }, "logprobs"],
    ["/completions", { prompt: "x", n: 2 }, "n"],
    ["/completions", { prompt: "x", temperature: 0.7 }, "temperature"],
    ["/completions", { prompt: "x", stream: "yes" }, "stream"],
    ["/completions", { prompt: "x", stop: 3 }, "stop"],
    ["/completions", { prompt: "x", stop: ["a", "b", "c", "d", "e"] }, "stop"],
    ["/completions", { prompt: "x", echo: "yes" }, "echo"],
    ["/completions", { prompt: "x", suffix: "y" }, "suffix"],
    ["/completions", { prompt: Array.from({ length: 300 }, () => 7) }, "prompt"],
    ["/completions", { prompt: "def f(x): return x\n".repeat(100) }, "prompt"],
    ["/completions", { prompt: "x".repeat(100_000) }, "prompt"],
    ["/completions", { prompt: "x", max_tokens: 0, echo: true, logprobs: 0, return_tokens_as_token_ids: "no" }, "return_tokens_as_token_ids"],
    ["/chat/completions", { messages: [] }, "messages"],
    ["/chat/completions", { messages: [{ role: "wizard", content: "x" }] }, "messages.0.role"],
    ["/chat/completions", { messages: [{ role: "user", content: [{ type: "image_url", image_url: "x" }] }] }, "messages.0.content"],
    ["/chat/completions", { messages: [{ role: "user", content: "x" }], prediction: { type: "content", content: 5 } }, "prediction.content"],
    ["/chat/completions", { messages: [{ role: "user", content: "x" }], max_completion_tokens: 100000 }, "max_completion_tokens"],
    ["/chat/completions", { messages: [{ role: "user", content: "x" }], top_logprobs: 9 }, "top_logprobs"],
  ];
  for (const [path, body, param] of cases) {
    const response = await postJson(`${server.baseUrl}${path}`, body);
    const context = `${path} ${JSON.stringify(body).slice(0, 80)}`;
    assert.equal(response.status, 400, `${context}: ${JSON.stringify(response.body)}`);
    assertOpenAiError(response.body, response.status, context);
    assert.equal(response.body.error.type, "invalid_request_error", context);
    // zod may name the element inside the field (prompt.1): the field must lead the path.
    if (param !== null) assert.ok(response.body.error.param === param || response.body.error.param?.startsWith(`${param}.`), `${context}: ${JSON.stringify(response.body.error)}`);
  }
  await alive();
});

test("unknown routes are 404, wrong methods 405 with Allow", async () => {
  const notFound = await fetch(`${server.url}/v1/engines`);
  assert.equal(notFound.status, 404);
  assertOpenAiError(await notFound.json(), 404, "404");
  assert.equal((await fetch(`${server.url}/`)).status, 404);
  assert.equal((await fetch(`${server.baseUrl}/models/%E0%A4%A`)).status, 404);
  const wrongMethod = await fetch(`${server.baseUrl}/completions`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST");
  assertOpenAiError(await wrongMethod.json(), 405, "405");
  assert.equal((await fetch(`${server.baseUrl}/models`, { method: "DELETE" })).status, 405);
  await alive();
});

test("a body over the limit is refused with 413 (declared or streamed), and the server stays up", async () => {
  const huge = JSON.stringify({ prompt: "x".repeat(9 * 1024 * 1024) });
  const declared = await fetch(`${server.baseUrl}/completions`, { method: "POST", body: huge, headers: { "content-type": "application/json" } });
  assert.equal(declared.status, 413);
  assertOpenAiError(await declared.json(), 413, "413");

  // Chunked, no Content-Length: refused while streaming.
  const streamed = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${server.baseUrl}/completions`, { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    const chunk = Buffer.alloc(1024 * 1024, "x");
    let sent = 0;
    const pump = () => {
      while (sent < 10) {
        sent++;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      request.end();
    };
    pump();
  });
  assert.equal(streamed, 413);
  await alive();
});

test("with an API key: 401 without or with a wrong bearer token, 200 with the right one", async () => {
  const url = `${keyed.baseUrl}/completions`;
  const body = { prompt: CODE_PROMPTS[1], max_tokens: 2 };
  const refused: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, { authorization: "sk-test-key" }, { authorization: "Bearer sk-test-key-longer" }];
  for (const headers of refused) {
    const response = await postJson(url, body, headers);
    assert.equal(response.status, 401, JSON.stringify(headers));
    assert.equal(response.body.error.code, "invalid_api_key");
    assert.equal(response.headers.get("www-authenticate"), "Bearer");
  }
  assert.equal((await fetch(`${keyed.baseUrl}/models`)).status, 401);
  const ok = await postJson(url, body, { authorization: "Bearer sk-test-key" });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.model, "verifier-under-test");

  const client = new OpenAI({ baseURL: keyed.baseUrl, apiKey: "sk-test-key", maxRetries: 0 });
  assert.equal((await client.models.list()).data[0].id, "verifier-under-test");
  const wrong = new OpenAI({ baseURL: keyed.baseUrl, apiKey: "nope", maxRetries: 0 });
  await assert.rejects(wrong.completions.create({ model: "verifier-under-test", prompt: "x" }), (error: unknown) => error instanceof OpenAI.AuthenticationError);
});
