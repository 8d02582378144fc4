// The embedded verifier speaks the engines' own protocols (issue 14, part 2): SGLang's native
// /generate and /get_model_info, token-array batches in /v1/completions (the prefix-probe round)
// and vLLM's max_model_len in /v1/models. Shapes are checked against the engines' sources:
// - vLLM ModelCard: vllm/entrypoints/openai/protocol.py (id, object, created, owned_by, root,
//   parent, max_model_len, permission).
// - SGLang GenerateReqInput: python/sglang/srt/managers/io_struct.py (input_ids,
//   sampling_params, return_logprob, logprob_start_len, top_logprobs_num).
// - SGLang logprob entries: python/sglang/srt/managers/tokenizer_manager.py,
//   detokenize_logprob_tokens → (logprob, token_id, None) and detokenize_top_logprobs_tokens →
//   one list per position or None; the response is {text, output_ids, meta_info}.
// - SGLang input logprobs: python/sglang/srt/managers/scheduler_output_processor_mixin.py,
//   `input_token_logprobs_val = [None] + input_token_logprobs[:-1]` aligned with
//   origin_input_ids[logprob_start_len:], and input_top_logprobs padded with None the same way.
// - SGLang /get_model_info: python/sglang/srt/entrypoints/http_server.py (model_path, is_generation).
// - vLLM/OpenAI completions with a list of prompts: one choice per prompt, `index` its position.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CODE_PROMPTS, postJson, startTargetVerifier, tokenIds } from "../../helpers/verifierTestKit.js";

const server = await startTargetVerifier({ slots: 2, contextSize: 512 });

/** The server's own greedy next token after `prompt` (one plain request per prefix). */
async function greedyNext(prompt: number[]): Promise<number> {
  const { status, body } = await postJson(`${server.baseUrl}/completions`, { prompt, max_tokens: 1, logprobs: 0, return_tokens_as_token_ids: true });
  assert.equal(status, 200, JSON.stringify(body));
  return tokenIds(body.choices[0].logprobs.tokens)[0];
}

async function tokenize(text: string): Promise<number[]> {
  const { body } = await postJson(`${server.baseUrl}/completions`, { prompt: text, max_tokens: 0, echo: true, logprobs: 0, return_tokens_as_token_ids: true });
  return tokenIds(body.choices[0].logprobs.tokens);
}

/** A context and a K = 6 draft whose first three tokens are the greedy continuation and the rest wrong. */
async function contextAndDraft(promptIndex: number): Promise<{ context: number[]; draft: number[] }> {
  const context = await tokenize(CODE_PROMPTS[promptIndex] + CODE_PROMPTS[(promptIndex + 1) % CODE_PROMPTS.length]);
  const { body } = await postJson(`${server.baseUrl}/completions`, { prompt: context, max_tokens: 3, logprobs: 0, return_tokens_as_token_ids: true });
  const greedy = tokenIds(body.choices[0].logprobs.tokens);
  return { context, draft: [...greedy, 101, 202, 303] };
}

const isEntry = (entry: unknown, nullLogprob = false) =>
  Array.isArray(entry) &&
  entry.length === 3 &&
  (nullLogprob ? entry[0] === null : typeof entry[0] === "number" && entry[0] <= 0) &&
  Number.isInteger(entry[1]) &&
  entry[2] === null;

test("GET /v1/models entries are vLLM ModelCards with max_model_len = the slot context", async () => {
  const response = await fetch(`${server.baseUrl}/models`);
  const { data } = await response.json();
  assert.deepEqual(Object.keys(data[0]).sort(), ["created", "id", "max_model_len", "object", "owned_by", "parent", "permission", "root"]);
  assert.equal(data[0].max_model_len, server.contextSize);
  assert.equal(data[0].max_model_len, 512);
});

test("GET /get_model_info answers SGLang's fields", async () => {
  const body = await (await fetch(`${server.url}/get_model_info`)).json();
  assert.equal(body.model_path, server.modelId);
  assert.equal(body.is_generation, true);
});

test("/generate answers SGLang's shape, and its top-1 at every draft position is the server's greedy token after that prefix", async () => {
  const { context, draft } = await contextAndDraft(0);
  const inputIds = [...context, ...draft];
  const start = context.length - 1; // scores draft[0..] and the bonus: K + 1 positions
  const { status, body } = await postJson(`${server.url}/generate`, {
    input_ids: inputIds,
    sampling_params: { max_new_tokens: 1, temperature: 0 },
    return_logprob: true,
    logprob_start_len: start,
    top_logprobs_num: 2,
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(Object.keys(body).sort(), ["meta_info", "output_ids", "text"]);
  const meta = body.meta_info;
  assert.equal(typeof meta.id, "string");
  assert.deepEqual(meta.finish_reason, { type: "length", length: 1 });
  assert.equal(meta.prompt_tokens, inputIds.length);
  assert.equal(meta.completion_tokens, 1);
  assert.equal(typeof meta.cached_tokens, "number");

  // Aligned with input_ids[logprob_start_len:]; the first entry is SGLang's null pad.
  assert.equal(meta.input_token_logprobs.length, inputIds.length - start);
  assert.ok(isEntry(meta.input_token_logprobs[0], true));
  meta.input_token_logprobs.slice(1).forEach((entry: unknown) => assert.ok(isEntry(entry), JSON.stringify(entry)));
  assert.deepEqual(meta.input_token_logprobs.map((entry: unknown[]) => entry[1]), inputIds.slice(start));
  assert.equal(meta.input_top_logprobs.length, inputIds.length - start);
  assert.equal(meta.input_top_logprobs[0], null);
  for (const top of meta.input_top_logprobs.slice(1)) {
    assert.equal(top.length, 2);
    top.forEach((entry: unknown) => assert.ok(isEntry(entry)));
    assert.ok(top[0][0] >= top[1][0], "best first");
  }
  assert.equal(meta.output_token_logprobs.length, 1);
  assert.ok(isEntry(meta.output_token_logprobs[0]));
  assert.equal(meta.output_token_logprobs[0][1], body.output_ids[0]);
  assert.equal(meta.output_top_logprobs[0][0][1], body.output_ids[0], "the output is the argmax");

  // Exactness: the top-1 after each prefix context + draft[:j] is the server's own greedy token there.
  for (let j = 0; j <= draft.length; j++) {
    const expected = await greedyNext(inputIds.slice(0, context.length + j));
    const found = j < draft.length ? meta.input_top_logprobs[j + 1][0][1] : body.output_ids[0];
    assert.equal(found, expected, `after draft[0..${j})`);
  }
  // The first wrong draft token is where the greedy answer differs from it.
  const firstWrong = draft.findIndex((token, j) => meta.input_top_logprobs[j + 1][0][1] !== token);
  assert.equal(firstWrong, 3);
});

test("/generate logprobs equal echo-logprobs at the same positions, bit for bit", async () => {
  const { context, draft } = await contextAndDraft(2);
  const inputIds = [...context, ...draft];
  const start = context.length - 1;
  const sglang = await postJson(`${server.url}/generate`, { input_ids: inputIds, sampling_params: { max_new_tokens: 1 }, return_logprob: true, logprob_start_len: start, top_logprobs_num: 1 });
  const echo = await postJson(`${server.baseUrl}/completions`, { prompt: inputIds, max_tokens: 1, echo: true, logprobs: 1, return_tokens_as_token_ids: true });
  assert.equal(echo.status, 200);
  const echoed: (number | null)[] = echo.body.choices[0].logprobs.token_logprobs;
  for (let i = start + 1; i < inputIds.length; i++) assert.equal(sglang.body.meta_info.input_token_logprobs[i - start][0], echoed[i], `position ${i}`);
  assert.equal(sglang.body.meta_info.output_token_logprobs[0][0], echoed[inputIds.length]);
});

test("/generate with logprob_start_len -1 returns the last input token (null) and the output only", async () => {
  const ids = await tokenize(CODE_PROMPTS[4]);
  const { status, body } = await postJson(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 3, temperature: 0 }, return_logprob: true });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.meta_info.input_token_logprobs, [[null, ids.at(-1), null]]);
  assert.equal(body.meta_info.output_token_logprobs.length, 3);
  assert.equal(body.meta_info.input_top_logprobs, undefined, "top lists only with top_logprobs_num > 0");
  const { body: plain } = await postJson(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 3 } });
  assert.deepEqual(plain.output_ids, body.output_ids);
  assert.equal(plain.meta_info.input_token_logprobs, undefined);
});

test("a cold /generate scores only the positions asked for: an echo afterwards finds no prompt logprobs cached", async () => {
  // Ids no earlier request has echoed (the tokenize helper above echoes with logprobs).
  const ids = Array.from({ length: 150 }, (_, i) => 100 + ((i * 37) % 600));
  const start = ids.length - 9;
  const cold = await postJson(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 1 }, return_logprob: true, logprob_start_len: start, top_logprobs_num: 1 });
  assert.equal(cold.status, 200);
  // Asking again is a cache hit: the same positions' predictions are kept.
  const again = await postJson(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 1 }, return_logprob: true, logprob_start_len: start, top_logprobs_num: 1 });
  assert.equal(again.body.meta_info.cached_tokens, ids.length);
  assert.deepEqual(again.body.meta_info, { ...cold.body.meta_info, id: again.body.meta_info.id, cached_tokens: ids.length });
  // Echo needs logprobs at every prompt position: only positions before any logprob was kept can be reused.
  const echo = await postJson(`${server.baseUrl}/completions`, { prompt: ids, max_tokens: 1, echo: true, logprobs: 1 });
  assert.equal(echo.body.usage.prompt_tokens_details.cached_tokens, 0);
});

test("consecutive /generate requests sharing a prefix reuse its KV", async () => {
  const ids = await tokenize(CODE_PROMPTS[1] + CODE_PROMPTS[3]);
  await postJson(`${server.url}/generate`, { input_ids: ids, sampling_params: { max_new_tokens: 1 } });
  const next = [...ids.slice(0, -2), 111, 222];
  const { body } = await postJson(`${server.url}/generate`, { input_ids: next, sampling_params: { max_new_tokens: 1 } });
  assert.equal(body.meta_info.cached_tokens, ids.length - 2);
});

test("prefix-probe: a list of token-id prompts gets one choice per prompt, in order, each the greedy token after its prefix", async () => {
  const { context, draft } = await contextAndDraft(6);
  const prompts = Array.from({ length: draft.length + 1 }, (_, j) => [...context, ...draft.slice(0, j)]);
  const { status, body } = await postJson(`${server.baseUrl}/completions`, { model: server.modelId, prompt: prompts, max_tokens: 1, temperature: 0, logprobs: 0, return_tokens_as_token_ids: true });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.object, "text_completion");
  assert.deepEqual(body.choices.map((choice: { index: number }) => choice.index), prompts.map((_, i) => i));
  for (const choice of body.choices) {
    assert.deepEqual(Object.keys(choice).sort(), ["finish_reason", "index", "logprobs", "text"]);
    assert.equal(choice.finish_reason, "length");
  }
  assert.equal(body.usage.prompt_tokens, prompts.reduce((sum, prompt) => sum + prompt.length, 0));
  assert.equal(body.usage.completion_tokens, prompts.length);

  const answers = body.choices.map((choice: { logprobs: { tokens: string[] } }) => tokenIds(choice.logprobs.tokens)[0]);
  for (const [j, prompt] of prompts.entries()) assert.equal(answers[j], await greedyNext(prompt), `after draft[0..${j})`);
  assert.equal(draft.findIndex((token, j) => answers[j] !== token), 3, "the first wrong draft token is found where it was planted");

  // Without logprobs (the protocol as sent): the same tokens, as text.
  const plain = await postJson(`${server.baseUrl}/completions`, { prompt: prompts, max_tokens: 1, temperature: 0 });
  const texts = await Promise.all(prompts.map(async (prompt) => (await postJson(`${server.baseUrl}/completions`, { prompt, max_tokens: 1 })).body.choices[0].text));
  assert.deepEqual(plain.body.choices.map((choice: { text: string }) => choice.text), texts);
});

test("prefix-probe: the next round reuses the context kept by the last one", async () => {
  const { context, draft } = await contextAndDraft(3);
  const round = (ctx: number[], d: number[]) => Array.from({ length: d.length + 1 }, (_, j) => [...ctx, ...d.slice(0, j)]);
  await postJson(`${server.baseUrl}/completions`, { prompt: round(context, draft), max_tokens: 1, temperature: 0 });
  // Accept the three right tokens, then the verifier's own correction.
  const next = [...context, ...draft.slice(0, 3), await greedyNext([...context, ...draft.slice(0, 3)])];
  const { body } = await postJson(`${server.baseUrl}/completions`, { prompt: round(next, [5, 6, 7, 8]), max_tokens: 1, temperature: 0 });
  assert.ok(body.choices.length === 5);
  assert.ok(body.usage.prompt_tokens_details.cached_tokens >= 5 * (context.length + 3), `cached ${body.usage.prompt_tokens_details.cached_tokens}`);
});

test("/generate refuses what it does not implement with SGLang-field 400s", async () => {
  const ids = [100, 200, 300];
  for (const [body, param] of [
    [{ input_ids: ids, sampling_params: { temperature: 0.7 } }, "sampling_params.temperature"],
    [{ input_ids: [ids, ids] }, "input_ids.0"],
    [{ text: "x", input_ids: ids }, null],
    [{}, null],
    [{ input_ids: ids, return_logprob: true, logprob_start_len: 3 }, "logprob_start_len"],
    [{ input_ids: ids, top_logprobs_num: 6 }, "top_logprobs_num"],
    [{ input_ids: ids, stream: true }, "stream"],
    [{ input_ids: ids, sampling_params: { max_new_tokens: 10_000 } }, "sampling_params.max_new_tokens"],
  ] as const) {
    const response = await postJson(`${server.url}/generate`, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.error.param, param, `${JSON.stringify(body)}: ${response.body.error.message}`);
  }
});
