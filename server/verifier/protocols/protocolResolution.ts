import type { VerifierClient } from "../verifierClient.js";
import { isTokenProtocol, type VerifierProtocol, type VerifierProtocolSetting } from "../verifierProtocol.js";
import { EchoLogprobsVerifier } from "./echoLogprobsProtocol.js";
import { chooseVerifierProtocol, createTokenVerifier, detectVerifierProtocols, prefixProbeVariantOf, type ProtocolChoice, type ProtocolDetection } from "./protocolDetection.js";
import { TokenizerMismatchError } from "./tokenizerMismatchError.js";
import type { TokenVerifier } from "./tokenVerifier.js";

export interface ResolvedProtocol {
  choice: ProtocolChoice;
  /** The round-by-round verifier; undefined for predicted-outputs. */
  tokenVerifier: TokenVerifier | undefined;
  /** Drafter and verifier exchange token ids (else echo-logprobs travels as text). */
  shared: boolean;
  /** What the endpoint answered (only with `auto`). */
  detection: ProtocolDetection | undefined;
}

export interface ResolveOptions {
  client: VerifierClient;
  setting: VerifierProtocolSetting;
  /** Whether ids can be exchanged with this verifier (the engine asks it to tokenize a probe). */
  sharesTokenizer: (verifier: TokenVerifier) => Promise<boolean>;
  /** With `auto`: measured verify ms per round per protocol (the profile's); the fastest that works wins. */
  measuredMs?: Partial<Record<VerifierProtocol, number>>;
  /** With `auto`: the selector's protocol for this configuration; wins when the endpoint answers it. */
  preferred?: VerifierProtocol;
  /** Valid ids for the probe requests (the drafter's). */
  probeTokens?: readonly number[];
  signal?: AbortSignal;
}

/**
 * The protocol an engine verifies with: the setting as given, or with `auto` the cheapest the
 * endpoint answers (probed once). The token protocols other than echo-logprobs need the
 * drafter's tokenizer; when the verifier's differs, `auto` falls back to echo-logprobs as text or
 * predicted outputs and says why, and a setting that cannot work throws.
 */
export async function resolveVerifierProtocol(options: ResolveOptions): Promise<ResolvedProtocol> {
  const { client, setting, signal } = options;
  const withTokenizer = async (choice: ProtocolChoice, detection: ProtocolDetection | undefined): Promise<ResolvedProtocol> => {
    const tokenVerifier = createTokenVerifier(client, choice);
    if (!tokenVerifier) return { choice, tokenVerifier, shared: false, detection };
    const shared = await options.sharesTokenizer(tokenVerifier);
    return { choice, tokenVerifier, shared, detection };
  };

  if (setting !== "auto") {
    const variant = setting === "prefix-probe" ? await prefixProbeVariantOf(client, signal) : undefined;
    const resolved = await withTokenizer({ protocol: setting, ...(variant && { variant }), reason: `${setting}: set in configspec.verifier.protocol` }, undefined);
    if (!resolved.shared && resolved.tokenVerifier && setting !== "echo-logprobs") throw new TokenizerMismatchError(client.endpoint, setting);
    return resolved;
  }
  const detection = await detectVerifierProtocols(client, { signal, probeTokens: options.probeTokens });
  const first = await withTokenizer(chooseVerifierProtocol(detection, "auto", { measuredMs: options.measuredMs, preferred: options.preferred }), detection);
  if (first.shared || !isTokenProtocol(first.choice.protocol) || first.choice.protocol === "echo-logprobs") return first;
  // Drafts as text need echo-logprobs or predicted outputs; without either the mismatch is the reason.
  if (!detection.found.some((protocol) => protocol === "echo-logprobs" || protocol === "predicted-outputs")) throw new TokenizerMismatchError(client.endpoint, first.choice.protocol);
  const fallback = chooseVerifierProtocol(detection, "auto", { allowed: ["echo-logprobs", "predicted-outputs"] });
  const reason = `${fallback.reason}; ${first.choice.protocol} needs the drafter's tokenizer, which the verifier does not share`;
  const tokenVerifier = fallback.protocol === "echo-logprobs" ? new EchoLogprobsVerifier(client) : undefined;
  return { choice: { ...fallback, reason }, tokenVerifier, shared: false, detection };
}
