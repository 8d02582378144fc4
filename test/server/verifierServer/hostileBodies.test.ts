// Reliability of the embedded verifier under hostile input: 200 malformed or hostile bodies,
// generated from a seeded list, each answered 4xx; afterwards the server is alive and its greedy
// output is exactly what it was before. Then 50 concurrent clients get what they got sequentially.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SeededRandom } from "../../../server/util/seededRandom.js";
import { CODE_PROMPTS, GreedyReference, postJson, startTargetVerifier, tokenIds } from "../../helpers/verifierTestKit.js";

const server = await startTargetVerifier({ slots: 4, contextSize: 512 });
const reference = await GreedyReference.create();
const vocabulary = reference.model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;

const SEED = 8;
const HOSTILE_BODIES = 200;
const TEN_MB = 10 * 1024 * 1024;

interface HostileCase {
  path: "/completions" | "/chat/completions";
  /** A JS value (sent as JSON) or raw bytes. */
  body: unknown;
  raw?: boolean;
  status: 400 | 413;
  label: string;
}

/** Values every one of which makes its field invalid (type, range, or unsupported). */
const BAD_COMPLETION_FIELDS: Record<string, unknown[]> = {
  prompt: [42, true, {}, null, [], [[]], ["a", "b"], [-1], [1.5], ["1", 2], [vocabulary], [2 ** 31], [1e20], [[1], []], [[1], [-1]], [null], { $ne: 1 }, ""],
  max_tokens: [-1, -1e9, 1e9, 2 ** 53, 1.5, "16", true, [], {}, 1e308],
  logprobs: [-1, 6, 100, 1.5, "1", true],
  temperature: [0.5, -1, 3, "0", true],
  top_p: [-0.1, 1.5, "1"],
  n: [2, 0, -1, "1"],
  best_of: [2, 0],
  stop: [3, "", [""], ["a", "b", "c", "d", "e"], [1], {}],
  stream: ["true", 1],
  echo: ["yes", 1],
  frequency_penalty: [1, -2, "0"],
  presence_penalty: [0.5],
  logit_bias: [{ "1": 100 }, "x", [1]],
  suffix: ["x", 5],
  return_tokens_as_token_ids: ["no", 1],
  seed: [1.5, "x"],
  user: [5, {}],
  model: [5, []],
};

const BAD_CHAT_FIELDS: Record<string, unknown[]> = {
  messages: [
    [],
    "hi",
    [{}],
    [{ role: "wizard", content: "x" }],
    [{ role: "user", content: 5 }],
    [{ role: "user", content: [{ type: "image_url", image_url: "x" }] }],
    [{ role: "user", content: [{ type: "text", text: { a: { b: [1, 2, { c: null }] } } }] }],
  ],
  max_completion_tokens: [-1, 1e9, "x"],
  prediction: [{ type: "content", content: 5 }, { type: "x" }, "x"],
  top_logprobs: [9, -1],
  logprobs: ["yes"],
  temperature: [1],
};

/** Nested `depth` arrays deep: a parser or validator that recurses without bound would overflow. */
function nested(depth: number): string {
  return "[".repeat(depth) + "1" + "]".repeat(depth);
}

function hostileCases(): HostileCase[] {
  const random = new SeededRandom(SEED);
  const cases: HostileCase[] = [];
  const completionBase = { prompt: CODE_PROMPTS[0], max_tokens: 2 };
  const chatBase = { messages: [{ role: "user", content: CODE_PROMPTS[1] }], max_tokens: 2 };
  for (const [field, values] of Object.entries(BAD_COMPLETION_FIELDS)) {
    for (const value of values) cases.push({ path: "/completions", body: { ...completionBase, [field]: value }, status: 400, label: `completions ${field}=${JSON.stringify(value)}` });
  }
  for (const [field, values] of Object.entries(BAD_CHAT_FIELDS)) {
    for (const value of values) cases.push({ path: "/chat/completions", body: { ...chatBase, [field]: value }, status: 400, label: `chat ${field}=${JSON.stringify(value)}` });
  }
  const raw: [string, string | Buffer][] = [
    ["truncated JSON", '{"prompt": "x"'],
    ["empty body", ""],
    ["null", "null"],
    ["array", "[]"],
    ["number", "1e999"],
    ["string", '"prompt"'],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ["NUL bytes", Buffer.alloc(64)],
    ["Infinity max_tokens", '{"prompt": "x", "max_tokens": 1e999}'],
    ["prompt nested 100k deep", `{"prompt": ${nested(100_000)}}`],
    ["duplicate key, last bad", '{"prompt": "x", "max_tokens": 2, "max_tokens": -5}'],
    ["__proto__ pollution attempt", '{"__proto__": {"prompt": "x"}, "constructor": {"prototype": {"max_tokens": 1}}}'],
  ];
  for (const [label, body] of raw) cases.push({ path: "/completions", body, raw: true, status: 400, label });
  cases.push({ path: "/chat/completions", body: `{"messages": ${nested(50_000)}}`, raw: true, status: 400, label: "messages nested 50k deep" });
  // Over the 8 MiB body limit: refused before it is buffered.
  cases.push({ path: "/completions", body: { prompt: "x".repeat(TEN_MB) }, status: 413, label: "10 MB prompt" });
  cases.push({ path: "/chat/completions", body: { messages: [{ role: "user", content: "y".repeat(TEN_MB) }] }, status: 413, label: "10 MB chat message" });
  cases.push({ path: "/completions", body: { prompt: Array.from({ length: 3_000_000 }, (_, i) => 100 + (i % 600)) }, status: 413, label: "3M token ids (12 MB)" });
  // Under the limit but far over the context: refused without tokenizing megabytes.
  cases.push({ path: "/completions", body: { prompt: "def f(x):\n".repeat(500_000) }, status: 400, label: "5 MB text prompt" });
  cases.push({ path: "/completions", body: { prompt: Array.from({ length: 600 }, () => 7) }, status: 400, label: "600 token ids > context" });

  // Fill to 200 with seeded combinations of two or three bad fields at once.
  const completionFields = Object.entries(BAD_COMPLETION_FIELDS);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform() * items.length)];
  while (cases.length < HOSTILE_BODIES) {
    const body: Record<string, unknown> = { ...completionBase };
    const count = 2 + Math.floor(random.uniform() * 2);
    for (let i = 0; i < count; i++) {
      const [field, values] = pick(completionFields);
      body[field] = pick(values);
    }
    cases.push({ path: "/completions", body, status: 400, label: `combination ${JSON.stringify(body).slice(0, 120)}` });
  }
  return cases.slice(0, HOSTILE_BODIES);
}

async function send(entry: HostileCase): Promise<{ status: number; body: any }> {
  const { body: value } = entry;
  const payload = !entry.raw ? JSON.stringify(value) : Buffer.isBuffer(value) ? new Uint8Array(value) : String(value);
  const response = await fetch(`${server.baseUrl}${entry.path}`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** The server's greedy token ids for each prompt (logprobs with token ids: exact, not text). */
async function greedyOutputs(prompts: readonly string[], maxTokens: number): Promise<number[][]> {
  const outputs: number[][] = [];
  for (const prompt of prompts) {
    const { status, body } = await postJson(`${server.baseUrl}/completions`, { prompt, max_tokens: maxTokens, logprobs: 0, return_tokens_as_token_ids: true });
    assert.equal(status, 200, JSON.stringify(body));
    outputs.push(tokenIds(body.choices[0].logprobs.tokens));
  }
  return outputs;
}

test("200 hostile bodies are each refused with a 4xx OpenAI error; the server stays alive and lossless", async () => {
  assert.ok(vocabulary > 0, "the vocabulary size is known");
  const probes = CODE_PROMPTS.slice(0, 4);
  const before = await greedyOutputs(probes, 16);
  const expected = await Promise.all(probes.map((text) => reference.generate(reference.tokenize(text), 16)));
  assert.deepEqual(before, expected, "the server is exact before the storm");

  const cases = hostileCases();
  assert.equal(cases.length, HOSTILE_BODIES);
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (const entry of cases) {
    const { status, body } = await send(entry);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.equal(status, entry.status, `${entry.label}: ${JSON.stringify(body).slice(0, 200)}`);
    assert.equal(typeof body?.error?.message, "string", `${entry.label}: an OpenAI-style error body`);
    assert.ok(body.error.message.length < 2_000, `${entry.label}: the error does not echo the input back`);
  }
  const elapsed = performance.now() - started;
  console.log(`hostile bodies: ${cases.length} in ${elapsed.toFixed(0)} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

  assert.deepEqual(await greedyOutputs(probes, 16), before, "greedy output is identical after the storm");
});

test("50 concurrent clients get exactly what they got one at a time", async () => {
  const clients = Array.from({ length: 50 }, (_, i) => {
    const prompt = `${CODE_PROMPTS[i % CODE_PROMPTS.length]}${" ".repeat(i % 3)}${i % 5 === 0 ? "\n" : ""}`;
    return i % 2 === 0
      ? { path: "/completions", body: { prompt, max_tokens: 12, logprobs: 0, return_tokens_as_token_ids: true } }
      : { path: "/chat/completions", body: { messages: [{ role: "user", content: prompt }], max_tokens: 12 } };
  });
  const answer = (body: any, path: string) => (path === "/completions" ? tokenIds(body.choices[0].logprobs.tokens) : body.choices[0].message.content);

  const sequential: unknown[] = [];
  for (const { path, body } of clients) {
    const response = await postJson(`${server.baseUrl}${path}`, body);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    sequential.push(answer(response.body, path));
  }
  const started = performance.now();
  const concurrent = await Promise.all(clients.map(({ path, body }) => postJson(`${server.baseUrl}${path}`, body)));
  console.log(`50 concurrent clients on 4 slots answered in ${(performance.now() - started).toFixed(0)} ms`);
  concurrent.forEach((response, i) => {
    assert.equal(response.status, 200, `client ${i}: ${JSON.stringify(response.body)}`);
    assert.deepEqual(answer(response.body, clients[i].path), sequential[i], `client ${i}`);
  });
});
