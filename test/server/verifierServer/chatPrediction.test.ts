import assert from "node:assert/strict";
import { test } from "node:test";
import { CODE_PROMPTS, GreedyReference, postJson, startTargetVerifier, tokenIds, topKey } from "../../helpers/verifierTestKit.js";
import { detokenizeAsStreamed } from "../../../server/llama/tokenPieces.js";

const server = await startTargetVerifier({ slots: 2 });
const reference = await GreedyReference.create();

const chat = (body: Record<string, unknown>) => postJson(`${server.baseUrl}/chat/completions`, body);
const userPrompt = (text: string) => [{ role: "user", content: text }];

const detokenize = (tokens: number[]) => detokenizeAsStreamed(reference.model, tokens as never[], true);

/** The longest prefix of the greedy output that survives a detokenize/tokenize round trip. */
function roundTripPrefix(tokens: number[]): number[] {
  for (let length = tokens.length; length > 0; length--) {
    const prefix = tokens.slice(0, length);
    const again = reference.tokenize(detokenize(prefix));
    if (again.length === prefix.length && again.every((t, i) => t === prefix[i])) return prefix;
  }
  return [];
}

test("chat without prediction: OpenAI's shape, content = greedy output of the concatenated messages", async () => {
  const messages = [
    { role: "system", content: "# python\n" },
    { role: "user", content: [{ type: "text", text: CODE_PROMPTS[0] }] },
  ];
  const { status, body } = await chat({ model: server.modelId, messages, max_tokens: 20 });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.object, "chat.completion");
  assert.match(body.id, /^chatcmpl-/);
  const [choice] = body.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, "assistant");
  assert.equal(choice.logprobs, null);
  const prompt = reference.tokenize(`# python\n${CODE_PROMPTS[0]}`);
  const expected = await reference.generate(prompt, 20);
  assert.equal(choice.message.content, detokenizeAsStreamed(reference.model, expected, true));
  assert.equal(body.usage.prompt_tokens, prompt.length);
  assert.equal(body.usage.completion_tokens, expected.length);
  assert.deepEqual(body.usage.completion_tokens_details, { accepted_prediction_tokens: 0, rejected_prediction_tokens: 0, reasoning_tokens: 0 });
  assert.equal(typeof body.usage.prompt_tokens_details.cached_tokens, "number");
});

test("a prediction never changes the output; accepted + rejected = prediction tokens", async () => {
  for (const [index, text] of CODE_PROMPTS.slice(1, 5).entries()) {
    const maxTokens = 24;
    const expected = await reference.generate(reference.tokenize(text), maxTokens);
    const exact = roundTripPrefix(expected);
    assert.ok(exact.length >= 4, `test premise: a prediction of several tokens re-tokenizes exactly (${exact.length})`);
    const predictions = [
      detokenize(exact),
      detokenize(exact.slice(0, Math.floor(exact.length / 2))) + " zzz qqq 123",
      " zzz qqq 123 ???",
      detokenize(expected) + " and much more text than max_tokens allows ".repeat(3),
    ];
    for (const content of predictions) {
      const { status, body } = await chat({ messages: userPrompt(text), max_completion_tokens: maxTokens, prediction: { type: "content", content } });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.choices[0].message.content, detokenize(expected), `prompt ${index}, prediction ${JSON.stringify(content)}`);
      assert.equal(body.choices[0].finish_reason, expected.length === maxTokens ? "length" : "stop");
      // The prediction is tokenized as text; accepted = its longest prefix equal to the greedy output.
      const predicted = reference.tokenize(content);
      let agree = 0;
      while (agree < predicted.length && agree < expected.length && predicted[agree] === expected[agree]) agree++;
      const details = body.usage.completion_tokens_details;
      assert.equal(details.accepted_prediction_tokens, agree);
      assert.equal(details.accepted_prediction_tokens + details.rejected_prediction_tokens, predicted.length);
    }
    assert.equal((await chat({ messages: userPrompt(text), max_tokens: maxTokens, prediction: { type: "content", content: detokenize(exact) } })).body.usage.completion_tokens_details.accepted_prediction_tokens, exact.length);
  }
});

test("after a rejected prediction the slot's cache is exact: continuing from prompt + output matches a re-computation", async () => {
  const text = CODE_PROMPTS[5];
  const prompt = reference.tokenize(text);
  const expected = await reference.generate(prompt, 16);
  const wrong = detokenize(roundTripPrefix(expected).slice(0, 3)) + " nope nope nope";
  const predicted = await chat({ messages: userPrompt(text), max_tokens: 16, prediction: { type: "content", content: wrong } });
  assert.equal(predicted.body.choices[0].message.content, detokenize(expected));
  assert.ok(predicted.body.usage.completion_tokens_details.rejected_prediction_tokens > 0);

  // The cache holds prompt + output minus the last (never evaluated) token; the rejected draft is gone.
  const all = [...prompt, ...expected];
  const next = await postJson(`${server.baseUrl}/completions`, { prompt: all, max_tokens: 8, logprobs: 0, return_tokens_as_token_ids: true });
  assert.equal(next.body.usage.prompt_tokens_details.cached_tokens, all.length - 1);
  assert.deepEqual(tokenIds(next.body.choices[0].logprobs.tokens), await reference.generate(all, 8));

  const echo = await postJson(`${server.baseUrl}/completions`, { prompt: all, max_tokens: 1, echo: true, logprobs: 1, return_tokens_as_token_ids: true });
  const steps = await reference.steps(all);
  const { top_logprobs } = echo.body.choices[0].logprobs;
  for (let i = 1; i <= all.length; i++) assert.equal(topKey(top_logprobs[i]), `token_id:${steps[i - 1].argmax}`, `top-1 at ${i}`);
});

test("chat logprobs and stop sequences", async () => {
  const text = CODE_PROMPTS[6];
  const expected = await reference.generate(reference.tokenize(text), 12);
  const { body } = await chat({ messages: userPrompt(text), max_tokens: 12, logprobs: true, top_logprobs: 2, return_tokens_as_token_ids: true });
  const content = body.choices[0].logprobs.content;
  assert.deepEqual(tokenIds(content.map((entry: { token: string }) => entry.token)), expected);
  for (const entry of content) {
    assert.equal(entry.top_logprobs.length, 2);
    assert.equal(entry.top_logprobs[0].token, entry.token);
    assert.equal(entry.top_logprobs[0].logprob, entry.logprob);
    assert.deepEqual(entry.bytes, [...Buffer.from(entry.token)]);
  }
  const generated = detokenizeAsStreamed(reference.model, expected, true);
  const stop = generated.slice(4, 7);
  const stopped = await chat({ messages: userPrompt(text), max_tokens: 12, stop, prediction: { type: "content", content: generated } });
  assert.equal(stopped.body.choices[0].finish_reason, "stop");
  assert.equal(stopped.body.choices[0].message.content, generated.slice(0, generated.indexOf(stop)));
});
