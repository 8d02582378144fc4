import type { PredictedOutputsCompletion, PredictRequest, TextVerification, TextVerifyRequest } from "../verifierCalls.js";
import type { VerifierClient } from "../verifierClient.js";
import type { VerifierProtocol } from "../verifierProtocol.js";
import type { CallPolicy } from "../verifierTransport.js";
import type { TokenVerifier } from "./tokenVerifier.js";

/** Drafts as text against the verifier's own tokenizer (no shared vocabulary needed). */
export interface TextVerifier {
  verifyText(request: TextVerifyRequest): Promise<TextVerification>;
}

/** The whole completion in one call, the draft as a hint the server may use. */
export interface PredictionVerifier {
  predict(request: PredictRequest): Promise<PredictedOutputsCompletion>;
}

/** What the engine's loops verify through: which loop runs is decided by this shape, never by a protocol's name. */
export type RoundVerifier =
  | { loop: "tokenIds"; verifier: TokenVerifier }
  | { loop: "text"; verifier: TextVerifier }
  | { loop: "prediction"; verifier: PredictionVerifier };

/**
 * What one round is billed for, context C tokens and K drafts (the billing fit's structure
 * before measured `usage` replaces it): input C·(1 + contextCopiesPerDraftToken·K) +
 * inputPerDraftToken·K + inputPerDraftTokenSquared·K², completion completionBaseTokens +
 * completionPerDraftToken·K.
 */
export interface RoundBilling {
  inputPerDraftToken: number;
  completionBaseTokens: number;
  completionPerDraftToken: number;
  contextCopiesPerDraftToken?: number;
  inputPerDraftTokenSquared?: number;
  /** The same in words, for the panel and the docs. */
  summary: string;
}

export interface ProtocolProbeRequest {
  /** Valid token ids of the verifier's vocabulary (what is drafted does not matter). */
  context: readonly number[];
  draft: readonly number[];
  signal?: AbortSignal;
  policy: CallPolicy;
}

/** One verifier protocol, whole: how it is probed, how it verifies a round, what it bills. */
export interface VerifierProtocolModule {
  readonly name: VerifierProtocol;
  /** What its probe sends; the error names it when the endpoint does not answer. */
  readonly asks: string;
  readonly bills: RoundBilling;
  /** Routes it can take, in the order probed (absent: one). */
  readonly variants?: readonly string[];
  /** Which of its routes the endpoint has, asked when the setting names the protocol (no detection ran). */
  variantOf?(client: VerifierClient, signal?: AbortSignal): Promise<string>;
  /** One tiny request; resolves with a line saying what answered, rejects with what failed. */
  probe(client: VerifierClient, request: ProtocolProbeRequest, variant?: string): Promise<string>;
  /** A warning when the endpoint is set up so a round at K costs more than it should (e.g. too few slots), naming the fix. */
  setupWarning?(endpoint: { engine: string; slots: number | undefined }, k: number): string | undefined;
  /** Its verifier for the engine's loop; undefined when it needs a tokenizer the drafter does not share. */
  roundVerifier(client: VerifierClient, options: { variant?: string; sharedTokenizer: boolean }): RoundVerifier | undefined;
}
