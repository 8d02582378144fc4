import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";
import type { VerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { CODE_PROMPTS, GreedyReference, postJson, startTargetVerifier, tokenIds, topKey, type JsonResponse } from "../../helpers/verifierTestKit.js";
import { detokenizeAsStreamed } from "../../../server/llama/tokenPieces.js";

// Started at the top level so their `after` cleanups belong to the file, not to a hook.
const server: VerifierServer = await startTargetVerifier({ slots: 2 });
const reference = await GreedyReference.create();

const complete = (body: Record<string, unknown>): Promise<JsonResponse> => postJson(`${server.baseUrl}/completions`, body);

function codePoints(text: string): number {
  return [...text].length;
}

test("GET /v1/models lists the one model, named after the file", async () => {
  const response = await fetch(`${server.baseUrl}/models`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.object, "list");
  assert.equal(body.data.length, 1);
  assert.deepEqual({ id: body.data[0].id, object: body.data[0].object }, { id: "target-8l-f32", object: "model" });
  assert.equal(server.modelId, "target-8l-f32");
  assert.equal((await fetch(`${server.baseUrl}/models/target-8l-f32`)).status, 200);
  assert.equal((await fetch(`${server.baseUrl}/models/other`)).status, 404);
});

test("a text prompt and the same prompt as token ids both give the independent greedy output", async () => {
  const text = CODE_PROMPTS[0];
  const prompt = reference.tokenize(text);
  const expected = await reference.generate(prompt, 24);
  for (const promptField of [text, [text], prompt, [prompt]]) {
    const { status, body } = await complete({ model: "whatever", prompt: promptField, max_tokens: 24, logprobs: 0, return_tokens_as_token_ids: true });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.object, "text_completion");
    assert.match(body.id, /^cmpl-/);
    assert.equal(body.model, "target-8l-f32");
    const [choice] = body.choices;
    assert.deepEqual(tokenIds(choice.logprobs.tokens), expected);
    assert.equal(choice.text, detokenizeAsStreamed(reference.model, expected, true));
    assert.equal(choice.finish_reason, expected.length === 24 ? "length" : "stop");
    assert.deepEqual(
      { prompt: body.usage.prompt_tokens, completion: body.usage.completion_tokens, total: body.usage.total_tokens },
      { prompt: prompt.length, completion: expected.length, total: prompt.length + expected.length },
    );
    assert.equal(typeof body.usage.prompt_tokens_details.cached_tokens, "number");
  }
});

test("special tokens in a text prompt are parsed as special tokens", async () => {
  const { body } = await complete({ prompt: CODE_PROMPTS[2], max_tokens: 0, echo: true, logprobs: 0, return_tokens_as_token_ids: true });
  const ids = tokenIds(body.choices[0].logprobs.tokens);
  const fim = reference.model.tokens.infill;
  assert.equal(ids[0], fim.prefix);
  assert.ok(ids.includes(fim.suffix!) && ids.at(-1) === fim.middle);
  assert.deepEqual(ids, reference.tokenize(CODE_PROMPTS[2]));
});

test("echo + logprobs: every echoed position's top-1 and logprob equal a single-token re-computation", async () => {
  const prompt = reference.tokenize(CODE_PROMPTS[1]);
  const maxTokens = 4;
  const { status, body } = await complete({ prompt, max_tokens: maxTokens, echo: true, logprobs: 2, return_tokens_as_token_ids: true });
  assert.equal(status, 200, JSON.stringify(body));
  const { text, logprobs, finish_reason } = body.choices[0];
  assert.equal(finish_reason, "length");
  const all = tokenIds(logprobs.tokens);
  assert.equal(all.length, prompt.length + maxTokens);
  assert.deepEqual(all.slice(0, prompt.length), prompt);
  const steps = await reference.steps(all, true);
  assert.deepEqual(all.slice(prompt.length), steps.slice(prompt.length - 1, -1).map((s) => s.argmax), "generated = greedy");

  assert.equal(logprobs.token_logprobs[0], null);
  assert.equal(logprobs.top_logprobs[0], null);
  for (let i = 1; i < all.length; i++) {
    const top = logprobs.top_logprobs[i];
    const step = steps[i - 1];
    assert.equal(topKey(top), `token_id:${step.argmax}`, `top-1 at position ${i}`);
    assert.ok(Object.keys(top).length <= 3 && `token_id:${all[i]}` in top, `top_logprobs[${i}] = best 2 + the actual token`);
    const expected = Math.max(Math.log(step.probabilities!.get(all[i] as never) ?? 0), -9999);
    // Batched and single-token evaluation round differently (~1e-4 relative on logits); argmax agrees.
    assert.ok(Math.abs(logprobs.token_logprobs[i] - expected) <= 1e-3 * Math.max(1, Math.abs(expected)), `logprob at ${i}: ${logprobs.token_logprobs[i]} vs ${expected}`);
    assert.equal(top[`token_id:${all[i]}`], logprobs.token_logprobs[i]);
  }
  // Offsets index the text in code points; the generated text starts where the prompt's ends.
  const promptText = detokenizeAsStreamed(reference.model, prompt, true);
  assert.ok(text.startsWith(promptText));
  assert.equal(logprobs.text_offset[0], 0);
  assert.equal(logprobs.text_offset[prompt.length], codePoints(promptText));
  assert.ok(logprobs.text_offset.every((offset: number, i: number) => i === 0 || offset >= logprobs.text_offset[i - 1]));
});

test("without token ids, token strings are the text pieces and text_offset points at them", async () => {
  const { body } = await complete({ prompt: CODE_PROMPTS[3], max_tokens: 5, echo: true, logprobs: 1 });
  const { text, logprobs } = body.choices[0];
  assert.ok(text.startsWith(CODE_PROMPTS[3]));
  assert.equal(logprobs.tokens.join(""), text);
  logprobs.tokens.forEach((token: string, i: number) => assert.equal([...text].slice(logprobs.text_offset[i]).join("").slice(0, token.length), token));
  for (let i = 1; i < logprobs.tokens.length; i++) assert.ok(topKey(logprobs.top_logprobs[i]) in logprobs.top_logprobs[i]);
  // Generated tokens are the argmax: their logprob is the top-1's.
  for (let i = logprobs.tokens.length - 5; i < logprobs.tokens.length; i++) {
    assert.equal(logprobs.token_logprobs[i], Math.max(...Object.values<number>(logprobs.top_logprobs[i])));
  }
});

test("max_tokens 0 with echo evaluates the prompt only; max_tokens 1 gives the greedy next token", async () => {
  const prompt = reference.tokenize(CODE_PROMPTS[4]);
  const zero = await complete({ prompt, max_tokens: 0, echo: true, logprobs: 1, return_tokens_as_token_ids: true });
  assert.equal(zero.status, 200, JSON.stringify(zero.body));
  assert.equal(zero.body.usage.completion_tokens, 0);
  assert.equal(zero.body.choices[0].finish_reason, "length");
  assert.deepEqual(tokenIds(zero.body.choices[0].logprobs.tokens), prompt);
  assert.equal(zero.body.choices[0].text, CODE_PROMPTS[4]);

  const one = await complete({ prompt, max_tokens: 1, logprobs: 1, return_tokens_as_token_ids: true });
  const [expected] = await reference.generate(prompt, 1);
  assert.deepEqual(tokenIds(one.body.choices[0].logprobs.tokens), [expected]);
  assert.equal(one.body.usage.prompt_tokens_details.cached_tokens, prompt.length, "the echoed prompt is cached, prediction included");
});

test("a prefix shared with an earlier request comes from the KV cache, with identical results", async () => {
  const prompt = reference.tokenize(CODE_PROMPTS[5]);
  const ask = (tokens: number[], extra: Record<string, unknown> = {}) =>
    complete({ prompt: tokens, max_tokens: 8, logprobs: 0, return_tokens_as_token_ids: true, ...extra });
  const first = await ask(prompt);
  assert.equal(first.body.usage.prompt_tokens_details.cached_tokens, 0);
  const output = tokenIds(first.body.choices[0].logprobs.tokens);

  const again = await ask(prompt);
  assert.equal(again.body.usage.prompt_tokens_details.cached_tokens, prompt.length);
  assert.deepEqual(again.body.choices[0], first.body.choices[0]);

  // The natural next request: prompt + what was generated. All but the unevaluated last token are cached.
  const continued = await ask([...prompt, ...output]);
  assert.equal(continued.body.usage.prompt_tokens_details.cached_tokens, prompt.length + output.length - 1);
  assert.deepEqual(tokenIds(continued.body.choices[0].logprobs.tokens), await reference.generate([...prompt, ...output], 8));

  // A diverging suffix: the common prefix is reused and the rest re-evaluated exactly.
  const diverged = [...prompt.slice(0, -3), ...reference.tokenize(" LIMIT 10;")];
  const fork = await ask(diverged);
  assert.ok(fork.body.usage.prompt_tokens_details.cached_tokens >= prompt.length - 3);
  assert.deepEqual(tokenIds(fork.body.choices[0].logprobs.tokens), await reference.generate(diverged, 8));

  // Echo + logprobs needs predictions the plain requests did not keep: computed once, then cached.
  const echoA = await ask(prompt, { echo: true, logprobs: 1, max_tokens: 1 });
  const echoB = await ask(prompt, { echo: true, logprobs: 1, max_tokens: 1 });
  assert.equal(echoB.body.usage.prompt_tokens_details.cached_tokens, prompt.length);
  assert.deepEqual(echoB.body.choices[0], echoA.body.choices[0]);
});

test("a stop sequence cuts the text before it and finishes with stop", async () => {
  const prompt = reference.tokenize(CODE_PROMPTS[6]);
  const generated = detokenizeAsStreamed(reference.model, await reference.generate(prompt, 24), true);
  const stop = generated.slice(6, 9);
  const { body } = await complete({ prompt: CODE_PROMPTS[6], max_tokens: 24, stop: ["@@never@@", stop] });
  assert.equal(body.choices[0].finish_reason, "stop");
  assert.equal(body.choices[0].text, generated.slice(0, generated.indexOf(stop)));
});

test("the openai client parses completions and chat responses", async () => {
  const client = new OpenAI({ baseURL: server.baseUrl, apiKey: "unused", maxRetries: 0 });
  const models = await client.models.list();
  assert.equal(models.data[0].id, server.modelId);
  const completion = await client.completions.create({ model: server.modelId, prompt: CODE_PROMPTS[7], max_tokens: 6, echo: true, logprobs: 1, temperature: 0 });
  assert.equal(completion.object, "text_completion");
  assert.ok(completion.choices[0].text.startsWith(CODE_PROMPTS[7]));
  assert.equal(completion.choices[0].logprobs?.tokens?.length, completion.usage!.prompt_tokens + 6);
  assert.equal(completion.usage?.completion_tokens, 6);
  const chat = await client.chat.completions.create({
    model: server.modelId,
    messages: [{ role: "user", content: CODE_PROMPTS[7] }],
    max_completion_tokens: 6,
    prediction: { type: "content", content: completion.choices[0].text.slice(CODE_PROMPTS[7].length) },
  });
  assert.equal(chat.choices[0].message.content, completion.choices[0].text.slice(CODE_PROMPTS[7].length));
  const details = chat.usage?.completion_tokens_details;
  // The prediction is re-tokenized as text, which need not split like the generated tokens did.
  assert.equal((details?.accepted_prediction_tokens ?? 0) + (details?.rejected_prediction_tokens ?? 0), reference.tokenize(chat.choices[0].message.content!).length);
  await assert.rejects(client.completions.create({ model: server.modelId, prompt: "x", n: 2 }), (error: unknown) => error instanceof OpenAI.BadRequestError);
});
