import { z } from "zod";

/** Per-attempt timeout: headers and body of one HTTP request. */
export const DEFAULT_VERIFIER_TIMEOUT_MS = 10_000;
/** Retries after the first attempt (so at most 3 attempts), only on 429/500/502/503/504 and connection errors. */
export const DEFAULT_VERIFIER_MAX_RETRIES = 2;
export const DEFAULT_VERIFIER_PROTOCOL = "logprobs" satisfies VerifierProtocol;

/**
 * How a draft is checked: `logprobs` sends prompt + draft to `/v1/completions` with echo and
 * reads the verifier's top-1 at every drafted position (vLLM, llama.cpp, our embedded server);
 * `predicted-outputs` sends the draft as a chat `prediction` (OpenAI's hosted models).
 */
export const VerifierProtocolSchema = z.enum(["logprobs", "predicted-outputs"]);
export type VerifierProtocol = z.infer<typeof VerifierProtocolSchema>;
