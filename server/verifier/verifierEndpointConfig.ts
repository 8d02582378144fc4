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

/** A blank setting means "no key" (VS Code string settings default to ""); a pasted key loses stray whitespace. */
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => value?.trim() || undefined);

/** The daemon's verifier settings, parsed once; every field but baseUrl and model has a default. */
export const VerifierEndpointConfigSchema = z.object({
  /** `http(s)://host:port` (then `/v1` is appended) or a full API root such as `https://host/v1`. */
  baseUrl: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }),
  model: z.string().min(1),
  apiKey: optionalSecret,
  protocol: VerifierProtocolSchema.default(DEFAULT_VERIFIER_PROTOCOL),
  timeoutMs: z.number().int().positive().default(DEFAULT_VERIFIER_TIMEOUT_MS),
  maxRetries: z.number().int().min(0).max(10).default(DEFAULT_VERIFIER_MAX_RETRIES),
});
export type VerifierEndpointConfig = z.output<typeof VerifierEndpointConfigSchema>;
export type VerifierEndpointConfigInput = z.input<typeof VerifierEndpointConfigSchema>;
