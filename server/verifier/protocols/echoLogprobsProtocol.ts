import type { CompletionCreateParamsNonStreaming } from "openai/resources/completions";
import { acceptDraftText, acceptDraftTokenIds, tokenIdsOf } from "../logprobsAcceptance.js";
import {
  stopReasonOf,
  usageOf,
  type TextVerification,
  type TextVerifyRequest,
  type TokenIdVerification,
  type TokenIdVerifyRequest,
  type VllmCompletionExtras,
} from "../verifierCalls.js";
import type { VerifierClient } from "../verifierClient.js";
import { VerifierResponseError } from "../verifierResponseError.js";
import { CompletionResponseSchema, EchoedCompletionResponseSchema, TopLogprobsSchema, type CompletionLogprobs } from "../verifierResponses.js";
import { validateResponse } from "../verifierTransport.js";
import { assertVerifiable, probeByVerifying, type DraftVerification, type DraftVerifyRequest, type TokenVerifier } from "./tokenVerifier.js";
import type { VerifierProtocolModule } from "./verifierProtocolModule.js";

// Prompt + draft echoed by `POST /v1/completions` with logprobs: `top_logprobs[p]` is the
// verifier's argmax at position p (logprobsAcceptance.ts). vLLM recomputes the whole prompt for
// it, llama-server refuses echo; sources in docs/verifier-protocols.md.

/** One generated token after the echoed prompt, every position's top-1 as `token_id:<id>`: the verification call. */
function echoTokenIdsBody(model: string, prompt: string | number[]) {
  return {
    model,
    prompt,
    echo: true,
    logprobs: 1,
    max_tokens: 1,
    temperature: 0,
    return_tokens_as_token_ids: true,
  } satisfies CompletionCreateParamsNonStreaming & VllmCompletionExtras;
}

/** `schema`: {@link EchoedCompletionResponseSchema} when the caller validates the `top_logprobs` entries it reads. */
function completionWithLogprobs(json: unknown, schema: typeof CompletionResponseSchema | typeof EchoedCompletionResponseSchema = CompletionResponseSchema) {
  const response = validateResponse(schema, json, "a completion");
  const [choice] = response.choices;
  if (!choice.logprobs) {
    throw new VerifierResponseError("expected choices[0].logprobs (the endpoint must support echo with logprobs), found none");
  }
  return { choice: { ...choice, logprobs: choice.logprobs }, usage: usageOf(response.usage) };
}

/** Validates `top_logprobs[from..to)`; positions past the array are left to the decision's alignment checks. */
function validateTopLogprobs(logprobs: CompletionLogprobs, from: number, to: number): void {
  for (let position = from; position < Math.min(to, logprobs.top_logprobs.length); position++) {
    validateResponse(TopLogprobsSchema, logprobs.top_logprobs[position], `choices[0].logprobs.top_logprobs[${position}] as token → logprob or null`);
  }
}

/** Greedy verification of a token-id draft in one echoed call. */
export async function verifyEchoedTokenIds(client: VerifierClient, request: TokenIdVerifyRequest): Promise<TokenIdVerification> {
  const { prompt, draft } = request;
  if (draft.length > 0 && prompt.length === 0) {
    throw new RangeError("verifyDraft expects a non-empty prompt: the first position has no logprobs to judge a draft token by");
  }
  const { value, timing } = await client.completions(echoTokenIdsBody(client.model, [...prompt, ...draft]), request.signal, (json) => {
    const { choice, usage } = completionWithLogprobs(json, EchoedCompletionResponseSchema);
    // The decision reads the alternatives at the draft positions only (the prompt's are echoed, unused).
    validateTopLogprobs(choice.logprobs, prompt.length, prompt.length + draft.length);
    const acceptance = acceptDraftTokenIds({ prompt, draft, logprobs: choice.logprobs, choiceText: choice.text, echoedText: request.echoedText });
    return { ...acceptance, stopReason: stopReasonOf(choice.finish_reason), usage };
  });
  const { usage, ...result } = value;
  return { ...result, stats: { ...timing, usage } };
}

/** Greedy verification of a text draft, judged in the verifier's own tokens. */
export async function verifyEchoedText(client: VerifierClient, request: TextVerifyRequest): Promise<TextVerification> {
  const { prompt, draft } = request;
  const body = { model: client.model, prompt: prompt + draft, echo: true, logprobs: 1, max_tokens: 1, temperature: 0 } satisfies CompletionCreateParamsNonStreaming;
  const { value, timing } = await client.completions(body, request.signal, (json) => {
    const { choice, usage } = completionWithLogprobs(json);
    const acceptance = acceptDraftText({ prompt, draft, logprobs: choice.logprobs, choiceText: choice.text, generatedTokens: usage.completionTokens });
    return { ...acceptance, stopReason: stopReasonOf(choice.finish_reason), usage };
  });
  const { usage, ...result } = value;
  return { ...result, stats: { ...timing, usage } };
}

/** Either draft form: ids when drafter and verifier share a tokenizer, else text. */
export function verifyEchoed(client: VerifierClient, request: TokenIdVerifyRequest): Promise<TokenIdVerification>;
export function verifyEchoed(client: VerifierClient, request: TextVerifyRequest): Promise<TextVerification>;
export function verifyEchoed(client: VerifierClient, request: TokenIdVerifyRequest | TextVerifyRequest): Promise<TokenIdVerification | TextVerification> {
  return typeof request.prompt === "string" ? verifyEchoedText(client, request as TextVerifyRequest) : verifyEchoedTokenIds(client, request as TokenIdVerifyRequest);
}

/**
 * How the verifier tokenizes `text` (special tokens parsed, as servers do for text prompts): the
 * echoed prompt of a one-token completion. Works wherever echo does, whatever the protocol used.
 */
export async function tokenizeByEcho(client: VerifierClient, text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
  const { value } = await client.completions(echoTokenIdsBody(client.model, text), options.signal, (json) => {
    const { choice, usage } = completionWithLogprobs(json, EchoedCompletionResponseSchema);
    return tokenIdsOf(choice.logprobs, "echoed token", 0, usage.promptTokens);
  });
  return value;
}

/**
 * Leaves the verifier's cache holding exactly `prompt`: a K = 0 verification (the one token
 * generated is never evaluated), so a prompt walked before does not keep its continuation cached.
 * Through `verifier`'s protocol; a bare client verifies by echo.
 */
export async function cacheOnlyPrompt(verifier: TokenVerifier | VerifierClient, prompt: readonly number[], signal?: AbortSignal): Promise<void> {
  if ("verifyDraft" in verifier) await verifier.verifyDraft({ context: prompt, draft: [], signal });
  else await verifyEchoedTokenIds(verifier, { prompt, draft: [], signal });
}

/** Echo-logprobs with token ids (shared tokenizer). */
export class EchoLogprobsVerifier implements TokenVerifier {
  readonly protocol = "echo-logprobs";
  readonly route = "POST /completions";

  constructor(private readonly client: VerifierClient) {}

  async verifyDraft(request: DraftVerifyRequest): Promise<DraftVerification> {
    assertVerifiable(request);
    const { context, draft, signal } = request;
    const result = await verifyEchoedTokenIds(this.client, { prompt: context, draft, signal });
    const next = result.nextToken?.id;
    const verifierTokens = [...draft.slice(0, result.accepted), ...(next === undefined ? [] : [next])];
    return { verifierTokens, accepted: result.accepted, nextToken: next, stopReason: result.stopReason, stats: result.stats };
  }

  tokenize(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    return tokenizeByEcho(this.client, text, options);
  }
}

export const echoLogprobsProtocol: VerifierProtocolModule = {
  name: "echo-logprobs",
  asks: "POST /v1/completions with echo and logprobs over the prompt, token ids as token_id:<id>",
  bills: { inputPerDraftToken: 1, completionBaseTokens: 1, completionPerDraftToken: 0, summary: "C + K input (echoed prompt), 1 output" },
  probe: (client, { context, draft, signal }) => probeByVerifying(new EchoLogprobsVerifier(client), { context, draft, signal }),
  roundVerifier(client, { sharedTokenizer }) {
    if (sharedTokenizer) return { loop: "tokenIds", verifier: new EchoLogprobsVerifier(client) };
    return { loop: "text", verifier: { verifyText: (request) => verifyEchoedText(client, request) } };
  },
};
