import type { VerifierClient } from "../verifierClient.js";
import type { VerifierProtocol, VerifierProtocolSetting } from "../verifierProtocol.js";
import { chooseVerifierProtocol, detectVerifierProtocols, type ProtocolChoice, type ProtocolDetection } from "./protocolDetection.js";
import { PROTOCOL_MODULES, protocolModule } from "./protocolModules.js";
import { TokenizerMismatchError } from "./tokenizerMismatchError.js";
import type { TokenVerifier } from "./tokenVerifier.js";
import type { RoundVerifier } from "./verifierProtocolModule.js";

export interface ResolvedProtocol {
  choice: ProtocolChoice;
  /** What the engine's loop verifies through. */
  roundVerifier: RoundVerifier;
  /** What the endpoint answered (only with `auto`). */
  detection: ProtocolDetection | undefined;
}

export interface ResolveOptions {
  client: VerifierClient;
  setting: VerifierProtocolSetting;
  /** Whether ids can be exchanged with this verifier (the engine asks it to tokenize a probe). */
  sharesTokenizer: (verifier: TokenVerifier) => Promise<boolean>;
  /** With `auto`: the selector's protocol for this configuration; wins when the endpoint answers it. */
  preferred?: VerifierProtocol;
  /** Tokens drafted per round: the endpoint's setup is checked against it. */
  k?: number;
  /** Valid ids for the probe requests (the drafter's). */
  probeTokens?: readonly number[];
  signal?: AbortSignal;
}

/**
 * The protocol an engine verifies with: the setting as given, or with `auto` the selector's pick
 * (else the cheapest) among those the endpoint answers, probed once. A protocol that sends token
 * ids needs the drafter's tokenizer; when the verifier's differs, `auto` falls back to one that
 * takes text and says why, and a setting that cannot work throws.
 */
export async function resolveVerifierProtocol(options: ResolveOptions): Promise<ResolvedProtocol> {
  const { client, setting, signal } = options;
  /** The choice's verifier: by ids when the tokenizer is shared, else as text; undefined when it cannot take text. */
  const verifierFor = async (choice: ProtocolChoice): Promise<RoundVerifier | undefined> => {
    const byIds = protocolModule(choice.protocol).roundVerifier(client, { variant: choice.variant, sharedTokenizer: true });
    if (byIds?.loop === "tokenIds" && !(await options.sharesTokenizer(byIds.verifier))) {
      return protocolModule(choice.protocol).roundVerifier(client, { variant: choice.variant, sharedTokenizer: false });
    }
    return byIds;
  };

  if (setting !== "auto") {
    const variant = await protocolModule(setting).variantOf?.(client, signal);
    const choice: ProtocolChoice = { protocol: setting, ...(variant && { variant }), reason: `${setting}: set in configspec.verifier.protocol` };
    const roundVerifier = await verifierFor(choice);
    if (!roundVerifier) throw new TokenizerMismatchError(client.endpoint, setting);
    return { choice, roundVerifier, detection: undefined };
  }
  const detection = await detectVerifierProtocols(client, { signal, probeTokens: options.probeTokens });
  const first = chooseVerifierProtocol(detection, "auto", { preferred: options.preferred });
  const roundVerifier = await verifierFor(first);
  if (roundVerifier) return { choice: withSetupWarning(first, detection, options.k), roundVerifier, detection };
  // Drafts must go as text: the protocols that take it, or the mismatch is the reason.
  const takesText = detection.found.filter((protocol) => protocolModule(protocol).roundVerifier(client, { sharedTokenizer: false }) !== undefined);
  if (takesText.length === 0) throw new TokenizerMismatchError(client.endpoint, first.protocol);
  const fallback = chooseVerifierProtocol(detection, "auto", { allowed: takesText });
  const reason = `${fallback.reason}; ${first.protocol} needs the drafter's tokenizer, which the verifier does not share`;
  return { choice: { ...fallback, reason }, roundVerifier: protocolModule(fallback.protocol).roundVerifier(client, { variant: fallback.variant, sharedTokenizer: false })!, detection };
}

/**
 * Every route a token protocol could ask the endpoint's tokenizer through (echo, `/tokenize`,
 * `/generate`), for verifier-only: it sends ids when one of them shows the drafter's tokenizer,
 * so it cuts the same prompt as the speculative loops on an endpoint without echo (llama-server).
 */
export function tokenizerRoutes(client: VerifierClient): TokenVerifier[] {
  return PROTOCOL_MODULES.flatMap((module) =>
    (module.variants ?? [undefined]).flatMap((variant) => {
      const round = module.roundVerifier(client, { variant, sharedTokenizer: true });
      return round?.loop === "tokenIds" ? [round.verifier] : [];
    }),
  );
}

/** The choice, its reason extended by the protocol's warning about how the endpoint is set up for K. */
function withSetupWarning(choice: ProtocolChoice, detection: ProtocolDetection, k: number | undefined): ProtocolChoice {
  const warning = k === undefined ? undefined : protocolModule(choice.protocol).setupWarning?.(detection, k);
  return warning ? { ...choice, reason: `${choice.reason}; warning: ${warning}` } : choice;
}
