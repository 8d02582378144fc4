import { z } from "zod";
import { stopReasonOf, usageOf, type VerifierCallStats, type VerifierUsage } from "../verifierCalls.js";
import type { VerifierClient } from "../verifierClient.js";
import { VerifierResponseError } from "../verifierResponseError.js";
import { validateResponse } from "../verifierTransport.js";
import { acceptFromArgmax, assertVerifiable, probeByVerifying, tokenIdAt, type DraftVerification, type DraftVerifyRequest, type TokenVerifier } from "./tokenVerifier.js";
import type { VerifierProtocolModule } from "./verifierProtocolModule.js";

// SGLang's native `/generate`: token ids in, top-1 logprobs at the draft positions only
// (`logprob_start_len`), so the radix cache still serves the context. Sources in docs/verifier-protocols.md.

/** One `[logprob, token_id, text]` entry; logprob is null for a first prompt token. */
const LogprobEntrySchema = z.tuple([z.number().nullable(), z.number().int().nonnegative()]).rest(z.unknown());
type LogprobEntry = z.infer<typeof LogprobEntrySchema>;

export const SglangGenerateResponseSchema = z.object({
  text: z.string().nullish(),
  meta_info: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    cached_tokens: z.number().int().nonnegative().nullish(),
    finish_reason: z.object({ type: z.string() }).nullish(),
    input_token_logprobs: z.array(LogprobEntrySchema).nullish(),
    input_top_logprobs: z.array(z.array(LogprobEntrySchema).nullable()).nullish(),
    output_token_logprobs: z.array(LogprobEntrySchema).nullish(),
  }),
});
export type SglangGenerateResponse = z.infer<typeof SglangGenerateResponseSchema>;

/** The `/generate` body that scores the draft positions and generates the bonus. */
export function sglangVerifyBody(context: readonly number[], draft: readonly number[]) {
  return {
    input_ids: [...context, ...draft],
    sampling_params: { max_new_tokens: 1, temperature: 0 },
    return_logprob: true,
    // -1: output logprobs only (nothing to score without a draft).
    logprob_start_len: draft.length > 0 ? context.length - 1 : -1,
    top_logprobs_num: 1,
  };
}

function usageOfMeta(meta: SglangGenerateResponse["meta_info"]): VerifierUsage {
  return usageOf({ prompt_tokens: meta.prompt_tokens, completion_tokens: meta.completion_tokens, prompt_tokens_details: { cached_tokens: meta.cached_tokens } });
}

function topId(entries: readonly LogprobEntry[] | null | undefined, where: string): number {
  let best: LogprobEntry | undefined;
  for (const entry of entries ?? []) if (best === undefined || (entry[0] ?? -Infinity) > (best[0] ?? -Infinity)) best = entry;
  if (!best) throw new VerifierResponseError(`expected top logprobs at ${where}, found none`);
  return tokenIdAt(best[1], where);
}

/** The verifier's argmax at each draft position and the bonus, read from one `/generate` answer. */
export function sglangVerifierTokens(context: readonly number[], draft: readonly number[], response: SglangGenerateResponse): number[] {
  const meta = response.meta_info;
  const input = [...context, ...draft];
  const tokens: number[] = [];
  if (draft.length > 0) {
    const scored = meta.input_token_logprobs ?? [];
    const tops = meta.input_top_logprobs ?? [];
    const first = input.length - scored.length;
    if (scored.length < draft.length || tops.length !== scored.length) {
      throw new VerifierResponseError(
        `expected input_token_logprobs and input_top_logprobs for at least the ${draft.length} draft positions, found ${scored.length} and ${tops.length}`,
      );
    }
    for (let j = 0; j < draft.length; j++) {
      const k = context.length + j - first;
      if (scored[k][1] !== draft[j]) {
        throw new VerifierResponseError(`expected input_token_logprobs[${k}] to be draft token ${draft[j]} (what was sent), found ${scored[k][1]}`);
      }
      tokens.push(topId(tops[k], `input_top_logprobs[${k}]`));
    }
  }
  const generated = meta.output_token_logprobs ?? [];
  if (generated.length > 0) tokens.push(tokenIdAt(generated[0][1], "output_token_logprobs[0]"));
  return tokens;
}

/** `sglang`: one native `/generate` per round, only the draft positions scored. */
export class SglangVerifier implements TokenVerifier {
  readonly protocol = "sglang";
  readonly route = "POST /generate";

  constructor(private readonly client: VerifierClient) {}

  async verifyDraft(request: DraftVerifyRequest): Promise<DraftVerification> {
    assertVerifiable(request);
    const { context, draft } = request;
    const { value, timing } = await this.client.transport.requestJson(
      "POST",
      `${this.client.serverRoot}/generate`,
      this.route,
      sglangVerifyBody(context, draft),
      request.signal,
      (json) => {
        const response = validateResponse(SglangGenerateResponseSchema, json, "an SGLang /generate answer with meta_info");
        return { verifierTokens: sglangVerifierTokens(context, draft, response), response };
      },
    );
    const { verifierTokens, response } = value;
    const stats: VerifierCallStats = { ...timing, usage: usageOfMeta(response.meta_info) };
    return { verifierTokens, ...acceptFromArgmax(draft, verifierTokens), stopReason: stopReasonOf(response.meta_info.finish_reason?.type), stats };
  }

  /** The prompt's token ids as `/generate` scores them (`logprob_start_len: 0`, nothing generated). */
  async tokenize(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    const body = { text, sampling_params: { max_new_tokens: 0, temperature: 0 }, return_logprob: true, logprob_start_len: 0 };
    const { value } = await this.client.transport.requestJson("POST", `${this.client.serverRoot}/generate`, this.route, body, options.signal, (json) => {
      const response = validateResponse(SglangGenerateResponseSchema, json, "an SGLang /generate answer with meta_info");
      return (response.meta_info.input_token_logprobs ?? []).map((entry, i) => tokenIdAt(entry[1], `input_token_logprobs[${i}]`));
    });
    return value;
  }
}

export const sglangProtocol: VerifierProtocolModule = {
  name: "sglang",
  asks: "POST /generate with input_ids, return_logprob and logprob_start_len (SGLang's native API)",
  bills: { inputPerDraftToken: 1, completionBaseTokens: 1, completionPerDraftToken: 0, summary: "C + K input (context cached by the radix tree), 1 output" },
  probe: (client, { context, draft, signal }) => probeByVerifying(new SglangVerifier(client), { context, draft, signal }),
  roundVerifier: (client, { sharedTokenizer }) => (sharedTokenizer ? { loop: "tokenIds", verifier: new SglangVerifier(client) } : undefined),
};
