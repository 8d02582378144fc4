// llama-server answers /v1/completions logprobs in the chat shape (`content: [{id, token, bytes,
// logprob, top_logprobs}]`, llama.cpp tools/server); the schema turns it into the legacy shape, so
// every protocol reads one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseProbeCompletions } from "../../../server/verifier/protocols/prefixProbeProtocol.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { CompletionLogprobsSchema } from "../../../server/verifier/verifierResponses.js";
import { faultyHttpServerForFile } from "../../helpers/faultyHttpServer.js";

const entry = (id: number, token: string, logprob: number) => ({
  id,
  token,
  bytes: [...Buffer.from(token)],
  logprob,
  top_logprobs: [
    { id, token, bytes: [...Buffer.from(token)], logprob },
    { id: id + 1, token: `${token}!`, bytes: [...Buffer.from(`${token}!`)], logprob: logprob - 2 },
  ],
});

/** A llama-server `/v1/completions` body for a two-token generation. */
const llamaBody = {
  id: "cmpl-1",
  object: "text_completion",
  model: "toy",
  choices: [{ index: 0, text: "x =", finish_reason: "length", logprobs: { content: [entry(87, "x", -0.1), entry(284, " =", -0.3)] } }],
  usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
};

test("llama-server's logprobs read as the legacy shape, ids kept", () => {
  const logprobs = CompletionLogprobsSchema.parse(llamaBody.choices[0].logprobs);
  assert.deepEqual(logprobs, {
    tokens: ["x", " ="],
    token_logprobs: [-0.1, -0.3],
    top_logprobs: [
      { x: -0.1, "x!": -2.1 },
      { " =": -0.3, " =!": -2.3 },
    ],
    text_offset: [0, 1],
    token_ids: [87, 284],
  });
});

test("the legacy shape still parses as it came", () => {
  const legacy = { tokens: ["token_id:3"], token_logprobs: [null], top_logprobs: [null], text_offset: [0] };
  assert.deepEqual(CompletionLogprobsSchema.parse(legacy), legacy);
});

const server = await faultyHttpServerForFile(() => ({ kind: "json", body: llamaBody }));

test("generate reads the generated ids from a llama-server-shaped body", async () => {
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy", maxRetries: 0 });
  const generation = await client.generate({ prompt: [1, 2, 3, 4], maxTokens: 2, returnTokenIds: true });
  assert.deepEqual(generation.tokenIds, [87, 284]);
  assert.equal(generation.text, "x =");
  assert.equal(generation.stopReason, "maxTokens");
  client.dispose();
});

test("prefix-probe reads each prompt's generated id from llama-server-shaped choices", () => {
  const body = {
    choices: [0, 1].map((index) => ({ index, text: "x", finish_reason: "length", logprobs: { content: [entry(87 + index, "x", -0.1)] } })),
    usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
  };
  const { answers, usage } = parseProbeCompletions(body, 2);
  assert.deepEqual(answers, [
    { token: 87, stopReason: "maxTokens" },
    { token: 88, stopReason: "maxTokens" },
  ]);
  assert.deepEqual(usage, { promptTokens: 9, cachedTokens: 4, completionTokens: 2 });
});
