import assert from "node:assert/strict";
import { test } from "node:test";
import { faultyHttpServerForFile } from "../../helpers/faultyHttpServer.js";
import { fakeEchoOnly, fakeLlamaServer, fakeSglang, fakeVllmPrefixOnly } from "../../helpers/fakeVerifierEngines.js";
import { toyContinuation, toyNext } from "../../helpers/completionFixtures.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { SglangVerifier, sglangVerifierTokens } from "../../../server/verifier/protocols/sglangProtocol.js";
import { PrefixProbeVerifier, parseLlamaCompletions } from "../../../server/verifier/protocols/prefixProbeProtocol.js";
import { EchoLogprobsVerifier } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";

// Each protocol's request and its reading of the answer, against fake engines whose shapes are
// taken from the engines' own sources (vLLM, SGLang and llama-server cannot run here):
// - SGLang: python/sglang/srt/managers/io_struct.py (GenerateReqInput), tokenizer_manager.py
//   (meta_info `[logprob, token_id, text]` entries), test/srt/test_srt_endpoint.py
//   (`prompt_tokens == logprob_start_len + 1 + len(input_token_logprobs)`).
// - vLLM: vllm/entrypoints/openai/protocol.py (CompletionRequest.prompt lists,
//   return_tokens_as_token_ids); vllm/sampling_params.py (prompt logprobs skip the prefix cache).
// - llama-server: llama.cpp tools/server/server-schema.cpp (n_predict, return_tokens,
//   cache_prompt), server-task.cpp (to_json_non_oaicompat: index, tokens, stop_type,
//   tokens_evaluated, timings.cache_n), server-context.cpp (one object for one prompt, an array
//   for several), server-common.cpp ("Only no echo is supported").

const sglang = await faultyHttpServerForFile(fakeSglang);
const vllm = await faultyHttpServerForFile(fakeVllmPrefixOnly);
const llama = await faultyHttpServerForFile(fakeLlamaServer);
const echo = await faultyHttpServerForFile(fakeEchoOnly);

const context = [5, 17, 42];
const greedy = toyContinuation(context, 4);
// Two right, then a wrong one: accepted 2, the correction is greedy[2].
const draft = [greedy[0], greedy[1], (greedy[2] + 1) % 100, 9];

function lastBody(server: { requests: { json: unknown }[] }): unknown {
  return server.requests.at(-1)?.json;
}

test("sglang: one /generate with input_ids, logprob_start_len at the last context token, top-1; reads argmax at each draft position + bonus", async () => {
  const client = new VerifierClient({ baseUrl: sglang.baseUrl, model: "toy" });
  const result = await new SglangVerifier(client).verifyDraft({ context, draft });
  assert.equal(sglang.requests[0].url, "/generate");
  assert.deepEqual(lastBody(sglang), {
    input_ids: [...context, ...draft],
    sampling_params: { max_new_tokens: 1, temperature: 0 },
    return_logprob: true,
    logprob_start_len: context.length - 1,
    top_logprobs_num: 1,
  });
  const all = [...context, ...draft];
  const expected = [0, 1, 2, 3, 4].map((i) => toyNext(all.slice(0, context.length + i)));
  assert.deepEqual(result.verifierTokens, expected);
  assert.deepEqual([result.accepted, result.nextToken], [2, greedy[2]]);
  assert.deepEqual(result.stats.usage, { promptTokens: 7, cachedTokens: 2, completionTokens: 1 });
  assert.equal(result.stopReason, "maxTokens");
});

test("sglang: an answer without the one-position shift is read by aligning at the end; a misaligned one is refused", () => {
  const all = [...context, ...draft];
  const entries = (from: number) => all.slice(from).map((id, i) => [-0.1, id, null]);
  const tops = (from: number) => all.slice(from).map((_, i) => [[-0.1, toyNext(all.slice(0, from + i)), null]]);
  const meta = (from: number) => ({ prompt_tokens: all.length, completion_tokens: 1, input_token_logprobs: entries(from), input_top_logprobs: tops(from), output_token_logprobs: [[-0.1, toyNext(all), null]] });
  // Entries from the last context token on (no shift) and from the first draft token (shift): same reading.
  const noShift = sglangVerifierTokens(context, draft, { meta_info: meta(context.length - 1) } as never);
  const shifted = sglangVerifierTokens(context, draft, { meta_info: meta(context.length) } as never);
  assert.deepEqual(noShift, shifted);
  const wrong = { meta_info: { ...meta(context.length), input_token_logprobs: entries(context.length).map(([lp, id]) => [lp, Number(id) + 1, null]) } };
  assert.throws(() => sglangVerifierTokens(context, draft, wrong as never), VerifierResponseError);
});

test("sglang: tokenize reads the prompt's ids from /generate with logprob_start_len 0 and nothing generated", async () => {
  const client = new VerifierClient({ baseUrl: sglang.baseUrl, model: "toy" });
  // The fake has no tokenizer: text prompts are refused, which is what the client must report.
  await assert.rejects(new SglangVerifier(client).tokenize("x"), /this fake takes input_ids/);
  assert.deepEqual(lastBody(sglang), { text: "x", sampling_params: { max_new_tokens: 0, temperature: 0 }, return_logprob: true, logprob_start_len: 0 });
});

test("prefix-probe (vLLM /v1/completions): K+1 token-id prompts, max_tokens 1, no echo, ids as token_id:<id>", async () => {
  const client = new VerifierClient({ baseUrl: vllm.baseUrl, model: "toy" });
  const result = await new PrefixProbeVerifier(client, "openai-completions").verifyDraft({ context, draft });
  assert.equal(vllm.requests.length, 1);
  assert.equal(vllm.requests[0].url, "/v1/completions");
  assert.deepEqual(lastBody(vllm), {
    model: "toy",
    prompt: [0, 1, 2, 3, 4].map((i) => [...context, ...draft.slice(0, i)]),
    max_tokens: 1,
    temperature: 0,
    logprobs: 1,
    return_tokens_as_token_ids: true,
  });
  assert.equal((lastBody(vllm) as Record<string, unknown>).echo, undefined);
  assert.deepEqual([result.accepted, result.nextToken], [2, greedy[2]]);
  assert.equal(result.verifierTokens.length, draft.length + 1);
  assert.deepEqual(result.stats.usage, { promptTokens: 3 + 4 + 5 + 6 + 7, cachedTokens: 25 - 5, completionTokens: 5 });
});

test("prefix-probe (llama-server /completion): token arrays, n_predict 1, return_tokens; one prompt gets a single object back", async () => {
  const client = new VerifierClient({ baseUrl: llama.baseUrl, model: "toy" });
  const verifier = new PrefixProbeVerifier(client, "llama-server");
  const result = await verifier.verifyDraft({ context, draft: greedy });
  assert.equal(llama.requests[0].url, "/completion");
  assert.deepEqual(lastBody(llama), { prompt: [0, 1, 2, 3, 4].map((i) => [...context, ...greedy.slice(0, i)]), n_predict: 1, temperature: 0, return_tokens: true, cache_prompt: true, stream: false });
  assert.deepEqual([result.accepted, result.nextToken], [4, toyNext([...context, ...greedy])]);
  assert.deepEqual(result.stats.usage, { promptTokens: 25, cachedTokens: 20, completionTokens: 5 });
  const single = await verifier.verifyDraft({ context, draft: [] });
  assert.deepEqual([single.accepted, single.nextToken], [0, greedy[0]]);
});

test("prefix-probe: answers out of order are put back in prompt order; a missing one is refused", () => {
  const results = [1, 0].map((index) => ({ index, tokens: [10 + index], stop_type: "limit", tokens_evaluated: 3 }));
  assert.deepEqual(parseLlamaCompletions(results, 2).answers.map((a) => a.token), [10, 11]);
  assert.throws(() => parseLlamaCompletions(results.slice(0, 1), 2), /expected 2 results \(one per prompt\), found 1/);
});

test("echo-logprobs: the echoed call, read through the same interface", async () => {
  const client = new VerifierClient({ baseUrl: echo.baseUrl, model: "toy" });
  const result = await new EchoLogprobsVerifier(client).verifyDraft({ context, draft });
  assert.deepEqual(lastBody(echo), { model: "toy", prompt: [...context, ...draft], echo: true, logprobs: 1, max_tokens: 1, temperature: 0, return_tokens_as_token_ids: true });
  assert.deepEqual(result.verifierTokens, [greedy[0], greedy[1], greedy[2]]);
  assert.deepEqual([result.accepted, result.nextToken], [2, greedy[2]]);
});
