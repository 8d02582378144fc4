import assert from "node:assert/strict";
import { test } from "node:test";
import { CODE_PROMPTS, GreedyReference, postJson, startTargetVerifier, tokenIds } from "../../helpers/verifierTestKit.js";
import { detokenizeAsStreamed } from "../../../server/llama/tokenPieces.js";

const server = await startTargetVerifier({ slots: 2 });
// One slot: a request that holds it blocks every other, so a leaked slot shows as a hang.
const single = await startTargetVerifier({ slots: 1, contextSize: 2048 });
const reference = await GreedyReference.create();

test("8 simultaneous clients on 2 slots are all answered with their own greedy output", async () => {
  const maxTokens = 16;
  const expected = await Promise.all(CODE_PROMPTS.map(async (text) => reference.generate(reference.tokenize(text), maxTokens)));
  // Twice: the second wave finds the slots' caches holding other clients' prompts.
  for (let wave = 0; wave < 2; wave++) {
    const responses = await Promise.all(
      CODE_PROMPTS.map((text, i) =>
        i % 2 === 0
          ? postJson(`${server.baseUrl}/completions`, { prompt: text, max_tokens: maxTokens, logprobs: 0, return_tokens_as_token_ids: true })
          : postJson(`${server.baseUrl}/chat/completions`, { messages: [{ role: "user", content: text }], max_tokens: maxTokens }),
      ),
    );
    responses.forEach(({ status, body }, i) => {
      assert.equal(status, 200, JSON.stringify(body));
      if (i % 2 === 0) assert.deepEqual(tokenIds(body.choices[0].logprobs.tokens), expected[i], `client ${i}`);
      else assert.equal(body.choices[0].message.content, detokenizeAsStreamed(reference.model, expected[i], true), `client ${i}`);
    });
  }
});

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

test("a client that disconnects (running or queued) stops its work and frees its slot", async () => {
  const long = { messages: [{ role: "user", content: CODE_PROMPTS[0] }], max_tokens: 1500 };
  const short = { prompt: CODE_PROMPTS[1], max_tokens: 4 };
  const [, perToken] = await timed(async () => {
    const { body } = await postJson(`${single.baseUrl}/chat/completions`, { ...long, max_tokens: 100 });
    return body;
  }).then(([body, ms]) => [body, ms / 100] as const);

  const running = new AbortController();
  const queued = new AbortController();
  const runningRequest = postJson(`${single.baseUrl}/chat/completions`, long, {}, running.signal);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const queuedRequest = postJson(`${single.baseUrl}/chat/completions`, long, {}, queued.signal);
  await new Promise((resolve) => setTimeout(resolve, 50));
  queued.abort();
  running.abort();
  await assert.rejects(runningRequest, { name: "AbortError" });
  await assert.rejects(queuedRequest, { name: "AbortError" });

  // Had either kept going, this would wait for ~1500 tokens or more.
  const [answer, ms] = await timed(() => postJson(`${single.baseUrl}/completions`, short));
  assert.equal(answer.status, 200);
  assert.ok(ms < (1500 * perToken) / 2, `answered in ${ms.toFixed(0)} ms; 1500 tokens take ~${(1500 * perToken).toFixed(0)} ms`);
});

test("requests refused inside the handler never leak the one slot", async () => {
  for (let i = 0; i < 5; i++) {
    const tooLong = await postJson(`${single.baseUrl}/completions`, { prompt: [1], max_tokens: 5000 });
    assert.equal(tooLong.status, 400);
    const badId = await postJson(`${single.baseUrl}/completions`, { prompt: [100000], max_tokens: 1 });
    assert.equal(badId.status, 400);
  }
  const { status } = await postJson(`${single.baseUrl}/completions`, { prompt: CODE_PROMPTS[2], max_tokens: 2 });
  assert.equal(status, 200);
});
