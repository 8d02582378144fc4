import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifierClient, verifierApiRoot } from "../../../server/verifier/verifierClient.js";
import { DisposedError } from "../../../server/util/disposedError.js";
import { faultyHttpServerForFile, unusedPort, type RecordedRequest } from "../../helpers/faultyHttpServer.js";
import { completionBody, textLogprobs, toyContinuation, toyNext, toyVllmHandler } from "../../helpers/completionFixtures.js";
import { verifyEchoed } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";
import { predict } from "../../../server/verifier/protocols/predictedOutputsProtocol.js";

// The protocol side of the client: what it sends, what it makes of well-formed answers.

const server = await faultyHttpServerForFile(toyVllmHandler);

function lastJson(): Record<string, unknown> {
  const json = server.requests.at(-1)?.json;
  assert.ok(json && typeof json === "object");
  return Object.fromEntries(Object.entries(json));
}

const prompt = [5, 17, 42];
const greedy = toyContinuation(prompt, 4);

test("verifyDraft with token ids sends one echoed logprobs call and decides acceptance", async () => {
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
  const draft = [greedy[0], greedy[1], 3, 4];
  const result = await verifyEchoed(client, { prompt, draft });
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].url, "/v1/completions");
  assert.equal(server.requests[0].method, "POST");
  assert.deepEqual(lastJson(), {
    model: "toy",
    prompt: [...prompt, ...draft],
    echo: true,
    logprobs: 1,
    max_tokens: 1,
    temperature: 0,
    return_tokens_as_token_ids: true,
  });
  assert.equal(result.accepted, 2);
  assert.deepEqual(result.nextToken, { id: greedy[2], text: undefined });
  assert.equal(result.nextTokenSource, "correction");
  assert.equal(result.stats.attempts, 1);
  assert.deepEqual(result.stats.usage, { promptTokens: 7, cachedTokens: 3, completionTokens: 1 });
  assert.ok(result.stats.latencyMs > 0 && result.stats.attemptMs <= result.stats.latencyMs);
  assert.equal(result.stats.networkMs, 0);
});

test("a fully accepted id draft gets the verifier's bonus token", async () => {
  const client = new VerifierClient({ baseUrl: `${server.baseUrl}/v1/`, model: "toy" });
  const result = await verifyEchoed(client, { prompt, draft: greedy });
  assert.deepEqual([result.accepted, result.nextTokenSource, result.nextToken?.id], [4, "bonus", toyNext(greedy)]);
});

test("verifyDraft with text sends prompt + draft as one string and returns the accepted text", async () => {
  const { logprobs, text } = textLogprobs([{ text: "let" }, { text: " x" }, { text: " =" }, { text: " 2", top: " 1" }], ";");
  server.enqueue({ kind: "json", body: completionBody(logprobs, text, { promptTokens: 4 }) });
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
  const result = await verifyEchoed(client, { prompt: "let x", draft: " = 2" });
  assert.deepEqual(lastJson(), { model: "toy", prompt: "let x = 2", echo: true, logprobs: 1, max_tokens: 1, temperature: 0 });
  assert.deepEqual([result.acceptedText, result.nextText, result.nextTextSource], [" =", " 1", "correction"]);
  assert.equal(result.stats.usage.cachedTokens, 0);
});

test("predict sends the draft as a prediction and reports accepted and rejected prediction tokens", async () => {
  server.enqueue({
    kind: "json",
    body: {
      choices: [{ index: 0, message: { role: "assistant", content: "return a + b" }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: 12,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 8 },
        completion_tokens_details: { accepted_prediction_tokens: 3, rejected_prediction_tokens: 1 },
      },
    },
  });
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "gpt-4o-mini", apiKey: "sk-test-predict" });
  const result = await predict(client, { prompt: "complete: def add(a, b):", prediction: "return a - b", maxTokens: 16 });
  assert.equal(server.requests[0].url, "/v1/chat/completions");
  assert.deepEqual(lastJson(), {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "complete: def add(a, b):" }],
    prediction: { type: "content", content: "return a - b" },
    max_tokens: 16,
    temperature: 0,
  });
  assert.equal(server.requests[0].headers.authorization, "Bearer sk-test-predict");
  assert.deepEqual(
    { text: result.text, accepted: result.acceptedPredictionTokens, rejected: result.rejectedPredictionTokens, stop: result.stopReason },
    { text: "return a + b", accepted: 3, rejected: 1, stop: "stop" },
  );
  assert.deepEqual(result.stats.usage, { promptTokens: 12, cachedTokens: 8, completionTokens: 5 });
});

test("generate sends a plain completion and returns token ids only when asked", async () => {
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
  const plain = await client.generate({ prompt, maxTokens: 3, stop: ["\n"] });
  assert.deepEqual(lastJson(), { model: "toy", prompt, max_tokens: 3, temperature: 0, stop: ["\n"] });
  assert.equal(plain.tokenIds, undefined);
  assert.equal(plain.text, greedy.slice(0, 3).map((id) => `<${id}>`).join(""));
  assert.equal(plain.stopReason, "maxTokens");

  const withIds = await client.generate({ prompt, maxTokens: 4, returnTokenIds: true });
  assert.deepEqual(lastJson(), { model: "toy", prompt, max_tokens: 4, temperature: 0, logprobs: 1, return_tokens_as_token_ids: true });
  assert.deepEqual(withIds.tokenIds, greedy);
  assert.equal(withIds.stats.usage.completionTokens, 4);
});

test("listModels and probe read /v1/models; probe tells ok, unauthorized and unreachable apart", async () => {
  server.setHandler((request) =>
    request.headers.authorization === "Bearer sk-good"
      ? { kind: "json", body: { object: "list", data: [{ id: "toy", object: "model" }, { id: "other", object: "model" }] } }
      : { kind: "json", status: 401, body: { error: { message: "bad key" } } },
  );
  const good = new VerifierClient({ baseUrl: server.baseUrl, model: "toy", apiKey: "sk-good" });
  assert.deepEqual(await good.listModels(), ["toy", "other"]);
  assert.equal(server.requests.at(-1)?.url, "/v1/models");
  const health = await good.probe();
  assert.equal(health.status, "ok");
  assert.ok(health.status === "ok" && health.modelListed);
  assert.equal((await new VerifierClient({ baseUrl: server.baseUrl, model: "x", apiKey: "sk-good" }).probe()).status, "ok");

  const bad = await new VerifierClient({ baseUrl: server.baseUrl, model: "toy", apiKey: "sk-bad" }).probe();
  assert.equal(bad.status, "unauthorized");
  assert.ok(!JSON.stringify(bad).includes("sk-bad"));

  const down = await new VerifierClient({ baseUrl: `http://127.0.0.1:${await unusedPort()}`, model: "toy" }).probe();
  assert.equal(down.status, "unreachable");
});

test("without an API key no Authorization header is sent, not even one from OPENAI_API_KEY", async () => {
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = "sk-from-environment";
  try {
    const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
    await verifyEchoed(client, { prompt, draft: greedy });
    const { headers } = server.requests.at(-1) as RecordedRequest;
    assert.equal(headers.authorization, undefined);
    assert.ok(!JSON.stringify(headers).includes("sk-from-environment"));
  } finally {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  }
});

test("networkDelay adds the emulated round trip and reports it as networkMs", async () => {
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy", networkDelay: { rttMs: 100 } });
  const result = await verifyEchoed(client, { prompt, draft: greedy });
  assert.ok(result.stats.networkMs >= 98 && result.stats.networkMs < 200, `networkMs ${result.stats.networkMs}`);
  assert.ok(result.stats.latencyMs >= result.stats.networkMs);
});

test("dispose aborts calls in flight with an AbortError; later calls throw DisposedError", async () => {
  server.setHandler(() => ({ kind: "hang" }));
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy" });
  const pending = verifyEchoed(client, { prompt, draft: greedy });
  setTimeout(() => client.dispose(), 50);
  await assert.rejects(pending, { name: "AbortError" });
  await assert.rejects(verifyEchoed(client, { prompt, draft: greedy }), DisposedError);
});

test("the API root keeps an explicit path and appends /v1 to a bare origin", () => {
  assert.equal(verifierApiRoot("http://127.0.0.1:8000"), "http://127.0.0.1:8000/v1");
  assert.equal(verifierApiRoot("http://127.0.0.1:8000/"), "http://127.0.0.1:8000/v1");
  assert.equal(verifierApiRoot("https://openrouter.ai/api/v1/"), "https://openrouter.ai/api/v1");
  assert.equal(verifierApiRoot("https://example.com/v1beta/openai"), "https://example.com/v1beta/openai");
});
