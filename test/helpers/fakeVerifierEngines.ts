import type { FaultyHandler, FaultyResponse, RecordedRequest } from "./faultyHttpServer.js";
import { toyNext } from "./completionFixtures.js";
import { tokenIdLogprobs, completionBody } from "./completionFixtures.js";

// Fake engines, each answering ONE verification protocol with the toy verifier (toyNext): vLLM,
// SGLang and llama-server cannot run here, so their shapes are written from their own sources,
// cited beside each handler and in server/verifier/protocols/*.ts. Everything else gets the
// answer those engines give to a route they lack (404) or a field they refuse (400).

function json(body: unknown, status = 200): FaultyResponse {
  return { kind: "json", status, body };
}

const notFound = (request: RecordedRequest) => json({ error: { message: `Not Found: ${request.method} ${request.url}` } }, 404);

function body(request: RecordedRequest): Record<string, unknown> {
  const value = request.json;
  return value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {};
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "number");
}

function isIdLists(value: unknown): value is number[][] {
  return Array.isArray(value) && value.length > 0 && value.every(isIdList);
}

function models(ownedBy: string, extra: Record<string, unknown> = {}) {
  return json({ object: "list", data: [{ id: "toy", object: "model", owned_by: ownedBy, ...extra }] });
}

/**
 * SGLang's native `/generate` (io_struct.py GenerateReqInput; meta_info entries as
 * `[logprob, token_id, text]`, tokenizer_manager.py), with the one-position shift of
 * test/srt/test_srt_endpoint.py: for logprob_start_len L > 0 the input entries cover L+1..end,
 * for L = 0 every position (the first with a null logprob). `/v1/completions` here refuses
 * token-array batches and echo, so only `sglang` works.
 */
export const fakeSglang: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/get_model_info") return json({ model_path: "toy", is_generation: true });
  if (request.method === "GET" && request.url === "/v1/models") return models("sglang");
  if (request.method !== "POST" || request.url !== "/generate") return notFound(request);
  const b = body(request);
  if (!isIdList(b.input_ids)) return json({ detail: "this fake takes input_ids" }, 400);
  const input = b.input_ids;
  const params = b.sampling_params && typeof b.sampling_params === "object" ? Object.fromEntries(Object.entries(b.sampling_params)) : {};
  const maxNew = Number(params.max_new_tokens ?? 16);
  const start = Number(b.logprob_start_len ?? -1);
  const first = start < 0 ? input.length : start === 0 ? 0 : start + 1;
  const entry = (p: number) => [p === 0 ? null : -0.1, input[p], null];
  const top = (p: number) => (p === 0 ? null : [[-0.1, toyNext(input.slice(0, p)), null]]);
  const positions = Array.from({ length: Math.max(0, input.length - first) }, (_, i) => first + i);
  const generated = maxNew > 0 ? [toyNext(input)] : [];
  return json({
    text: generated.map((id) => `<${id}>`).join(""),
    output_ids: generated,
    meta_info: {
      id: "fake",
      prompt_tokens: input.length,
      completion_tokens: generated.length,
      cached_tokens: Math.max(0, start),
      finish_reason: { type: "length", length: maxNew },
      ...(b.return_logprob === true && {
        input_token_logprobs: positions.map(entry),
        input_top_logprobs: positions.map(top),
        output_token_logprobs: generated.map((id) => [-0.1, id, null]),
        output_top_logprobs: generated.map((id) => [[-0.1, id, null]]),
      }),
    },
  });
};

/**
 * vLLM's `/v1/completions` with a list of token-id prompts (one choice per prompt, `index` =
 * prompt) and `return_tokens_as_token_ids` (vllm/entrypoints/openai/protocol.py). Echo is
 * refused here, so only `prefix-probe` works.
 */
export const fakeVllmPrefixOnly: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/v1/models") return models("vllm", { max_model_len: 4096 });
  if (request.method === "POST" && request.url === "/tokenize") return json({ tokens: [1, 2, 3], count: 3, max_model_len: 4096 });
  if (request.method !== "POST" || request.url !== "/v1/completions") return notFound(request);
  const b = body(request);
  if (b.echo === true) return json({ error: { message: "this fake refuses echo" } }, 400);
  const prompts = isIdLists(b.prompt) ? b.prompt : isIdList(b.prompt) ? [b.prompt] : undefined;
  if (!prompts) return json({ error: { message: "this fake takes token-id prompts" } }, 400);
  const choices = prompts.map((prompt, index) => {
    const id = toyNext(prompt);
    return {
      index,
      text: `<${id}>`,
      finish_reason: "length",
      logprobs: b.logprobs == null ? null : { tokens: [b.return_tokens_as_token_ids ? `token_id:${id}` : `<${id}>`], token_logprobs: [-0.1], top_logprobs: [{ [`token_id:${id}`]: -0.1 }], text_offset: [0] },
    };
  });
  const promptTokens = prompts.reduce((total, prompt) => total + prompt.length, 0);
  return json({ id: "cmpl", object: "text_completion", model: "toy", choices, usage: { prompt_tokens: promptTokens, completion_tokens: prompts.length, total_tokens: promptTokens + prompts.length, prompt_tokens_details: { cached_tokens: promptTokens - prompts.length } } });
};

/**
 * llama.cpp's llama-server: `/completion` with a list of token arrays, `n_predict`,
 * `return_tokens` (server-schema.cpp), one result per prompt or a single object for one
 * (server-context.cpp handle_completions_impl; fields from server-task.cpp
 * to_json_non_oaicompat); `/props` with `total_slots`; `/v1/completions` refuses echo with
 * "Only no echo is supported" (server-common.cpp). Only `prefix-probe` (llama-server variant) works.
 */
export const fakeLlamaServer: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/props") return json({ total_slots: 9, default_generation_settings: { n_ctx: 2048 }, model_path: "toy.gguf" });
  if (request.method === "GET" && request.url === "/v1/models") return models("llamacpp");
  if (request.method === "POST" && request.url === "/tokenize") return json({ tokens: [1, 2, 3] });
  if (request.method === "POST" && request.url === "/v1/completions") {
    const b = body(request);
    if (b.echo === true) return json({ error: { code: 400, message: "Only no echo is supported", type: "invalid_request_error" } }, 400);
    return json({ error: { code: 400, message: "this fake answers only echo refusals on /v1" } }, 400);
  }
  if (request.method !== "POST" || request.url !== "/completion") return notFound(request);
  const b = body(request);
  const prompts = isIdLists(b.prompt) ? b.prompt : isIdList(b.prompt) ? [b.prompt] : undefined;
  if (!prompts) return json({ error: { code: 400, message: "this fake takes token arrays" } }, 400);
  const results = prompts.map((prompt, index) => {
    const id = toyNext(prompt);
    return {
      index,
      content: `<${id}>`,
      tokens: b.return_tokens === true ? [id] : [],
      id_slot: index,
      stop: true,
      model: "toy",
      tokens_predicted: 1,
      tokens_evaluated: prompt.length,
      stop_type: "limit",
      tokens_cached: prompt.length,
      timings: { cache_n: prompt.length - 1, prompt_n: 1, predicted_n: 1 },
    };
  });
  return json(results.length === 1 ? results[0] : results);
};

/** A hosted API with echo + logprobs on `/v1/completions` (Together-style) and nothing else. */
export const fakeEchoOnly: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/v1/models") return models("together");
  if (request.method !== "POST" || request.url !== "/v1/completions") return notFound(request);
  const b = body(request);
  if (b.echo !== true || !isIdList(b.prompt)) return json({ error: { message: "this fake answers only echoed token-id prompts" } }, 400);
  return json(completionBody(tokenIdLogprobs(b.prompt), "", { promptTokens: b.prompt.length }));
};

/**
 * A chat API with Predicted Outputs (OpenAI-style usage.completion_tokens_details with
 * accepted/rejected prediction tokens, openai-node CompletionUsage) and no `/v1/completions`.
 */
export const fakePredictedOutputsOnly: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/v1/models") return models("openai");
  if (request.method !== "POST" || request.url !== "/v1/chat/completions") return notFound(request);
  const b = body(request);
  const prediction = b.prediction && typeof b.prediction === "object" && "content" in b.prediction ? String(b.prediction.content) : "";
  return json({
    id: "chat",
    object: "chat.completion",
    model: "toy",
    choices: [{ index: 0, message: { role: "assistant", content: "y" }, finish_reason: "length" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, completion_tokens_details: { accepted_prediction_tokens: prediction === "y" ? 1 : 0, rejected_prediction_tokens: prediction === "y" ? 0 : 1 } },
  });
};

/** A chat-only API that ignores `prediction` (no prediction counts in usage): supports none. */
export const fakeChatOnly: FaultyHandler = (request) => {
  if (request.method === "GET" && request.url === "/v1/models") return models("someone");
  if (request.method !== "POST" || request.url !== "/v1/chat/completions") return notFound(request);
  return json({ id: "chat", object: "chat.completion", model: "toy", choices: [{ index: 0, message: { role: "assistant", content: "y" }, finish_reason: "length" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
};
