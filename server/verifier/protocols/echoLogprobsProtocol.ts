import type { VerifierClient } from "../verifierClient.js";
import { assertVerifiable, type DraftVerification, type DraftVerifyRequest, type TokenVerifier } from "./tokenVerifier.js";

// `echo-logprobs`: prompt + draft sent to `POST /v1/completions` with `echo: true`,
// `logprobs: 1`, `max_tokens: 1`, `temperature: 0` (and vLLM's `return_tokens_as_token_ids`);
// `top_logprobs[p]` is the verifier's distribution for position p, so its top-1 at each draft
// position is the argmax there (logprobsAcceptance.ts). Where it works:
// - OpenAI's legacy schema has `echo` and `logprobs` (openai-node src/resources/completions.ts),
//   but OpenAI's own models answer "Setting 'echo' and 'logprobs' at the same time is not
//   supported for this model" (reported in fastai/lm-hackers#7, keirp/automatic_prompt_engineer#25).
// - vLLM serves it as prompt logprobs, which skip the prefix cache and recompute the whole
//   prompt every round (vllm/sampling_params.py: `skip_reading_prefix_cache = self.prompt_logprobs is not None`).
// - SGLang's `/v1/completions` maps echo + logprobs to `logprob_start_len = 0`
//   (python/sglang/srt/entrypoints/openai/serving_completions.py; sgl-project/sglang#29001).
// - llama-server refuses `echo` ("Only no echo is supported", tools/server/server-common.cpp).
// - Together documents `echo` "with logprobs to return prompt logprobs"
//   (togethercomputer/openapi openapi.yaml); DeepSeek's beta `/completions` lists `echo` and
//   `logprobs` (api-docs.deepseek.com, FIM Completion (Beta)). Neither documents token-id prompts.

/** `echo-logprobs` with token ids (shared tokenizer); the text variant stays on {@link VerifierClient.verifyDraftText}. */
export class EchoLogprobsVerifier implements TokenVerifier {
  readonly protocol = "echo-logprobs";
  readonly route = "POST /completions";

  constructor(private readonly client: VerifierClient) {}

  async verifyDraft(request: DraftVerifyRequest): Promise<DraftVerification> {
    assertVerifiable(request);
    const { context, draft, signal } = request;
    const result = await this.client.verifyDraftTokenIds({ prompt: context, draft, signal });
    const next = result.nextToken?.id;
    const verifierTokens = [...draft.slice(0, result.accepted), ...(next === undefined ? [] : [next])];
    return { verifierTokens, accepted: result.accepted, nextToken: next, stopReason: result.stopReason, stats: result.stats };
  }

  tokenize(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    return this.client.tokenizeByEcho(text, options);
  }
}
