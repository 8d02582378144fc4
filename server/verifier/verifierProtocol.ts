import { z } from "zod";

/**
 * How drafts are checked, one name per engine family (each a module in `protocols/`):
 * - `sglang`: SGLang's native `/generate`, token ids in, top-1 logprobs at the draft positions
 *   only (`logprob_start_len`), so its radix cache still serves the context.
 * - `prefix-probe`: K+1 token-id prompts `context`, `context+d1`, …, one token each, no echo and
 *   no prompt logprobs (vLLM's and SGLang's `/v1/completions`, llama-server's `/completion`).
 * - `echo-logprobs`: prompt + draft echoed by `/v1/completions` with logprobs (hosted APIs that
 *   document it, our embedded verifier); vLLM recomputes the whole prompt for it.
 * - `predicted-outputs`: the draft as a chat `prediction` (OpenAI, Fireworks, Mistral).
 */
export const VERIFIER_PROTOCOLS = ["sglang", "prefix-probe", "echo-logprobs", "predicted-outputs"] as const;
export type VerifierProtocol = (typeof VERIFIER_PROTOCOLS)[number];

/** The setting: one of the protocols, or `auto` (probe the endpoint once and pick). */
export const VERIFIER_PROTOCOL_SETTINGS = ["auto", ...VERIFIER_PROTOCOLS] as const;
export type VerifierProtocolSetting = (typeof VERIFIER_PROTOCOL_SETTINGS)[number];
export const DEFAULT_VERIFIER_PROTOCOL_SETTING: VerifierProtocolSetting = "auto";

/** The protocols that judge a draft token by token (the others judge a whole completion). */
export const TOKEN_PROTOCOLS = ["sglang", "prefix-probe", "echo-logprobs"] as const satisfies readonly VerifierProtocol[];
export type TokenProtocol = (typeof TOKEN_PROTOCOLS)[number];

export function isTokenProtocol(protocol: VerifierProtocol): protocol is TokenProtocol {
  return (TOKEN_PROTOCOLS as readonly string[]).includes(protocol);
}

// Before there were engine families the echo protocol was called `logprobs`; settings and
// stored profiles written then still parse.
const LEGACY_NAMES: Readonly<Record<string, VerifierProtocol>> = { logprobs: "echo-logprobs" };

function renameLegacy(value: unknown): unknown {
  return typeof value === "string" && Object.hasOwn(LEGACY_NAMES, value) ? LEGACY_NAMES[value] : value;
}

export const VerifierProtocolSchema = z.preprocess(renameLegacy, z.enum(VERIFIER_PROTOCOLS));
export const VerifierProtocolSettingSchema = z.preprocess(renameLegacy, z.enum(VERIFIER_PROTOCOL_SETTINGS));
