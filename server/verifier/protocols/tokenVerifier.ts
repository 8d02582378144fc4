import type { TokenProtocol } from "../verifierProtocol.js";
import type { VerifierCallStats, VerifierStopReason } from "../verifierCalls.js";
import { VerifierResponseError } from "../verifierResponseError.js";

/** One greedy verification of a draft, whatever the protocol that produced it. */
export interface DraftVerification {
  /**
   * The verifier's argmax after `context + draft[:i]`, for i = 0, 1, … (i = draft.length: the
   * bonus), at least up to the first disagreement with the draft (`sglang` and `prefix-probe`
   * give all K+1). Shorter when the verifier generated nothing after some prefix (end of text,
   * a full context): the walk stops there.
   */
  verifierTokens: number[];
  /** Draft tokens agreed with, from the start: the first i where draft[i] ≠ verifierTokens[i]. */
  accepted: number;
  /** verifierTokens[accepted]: the correction, or the bonus when all were accepted; undefined when the verifier generated nothing there. */
  nextToken: number | undefined;
  /** Why the verifier stopped after the accepted prefix (`stop`: end of text). */
  stopReason: VerifierStopReason;
  stats: VerifierCallStats;
}

export interface DraftVerifyRequest {
  /** Prompt + output so far, token ids of the shared tokenizer; never empty. */
  context: readonly number[];
  draft: readonly number[];
  signal?: AbortSignal;
}

/**
 * The one interface every token-level protocol implements (`sglang`, `prefix-probe`,
 * `echo-logprobs`): the loops call {@link verifyDraft} and never see which engine answers.
 */
export interface TokenVerifier {
  readonly protocol: TokenProtocol;
  /** Which request it sends, for the status and the logs (e.g. "POST /generate"). */
  readonly route: string;
  verifyDraft(request: DraftVerifyRequest): Promise<DraftVerification>;
  /** How the verifier tokenizes `text` (special tokens parsed), to tell whether ids can be exchanged. */
  tokenize(text: string, options?: { signal?: AbortSignal }): Promise<number[]>;
}

/** A token protocol's probe: one verification; the line says what answered. */
export async function probeByVerifying(verifier: TokenVerifier, request: DraftVerifyRequest): Promise<string> {
  const result = await verifier.verifyDraft(request);
  return `${verifier.route} answered ${result.verifierTokens.length} argmax token(s) for ${request.draft.length} draft token(s)`;
}

/** The longest prefix of `draft` that `verifierTokens` agrees with, and the token after it. */
export function acceptFromArgmax(draft: readonly number[], verifierTokens: readonly number[]): { accepted: number; nextToken: number | undefined } {
  let accepted = 0;
  while (accepted < draft.length && accepted < verifierTokens.length && verifierTokens[accepted] === draft[accepted]) accepted++;
  return { accepted, nextToken: verifierTokens[accepted] };
}

export function assertVerifiable(request: DraftVerifyRequest): void {
  if (request.context.length === 0) throw new RangeError("verifyDraft expects a non-empty context: the first draft token has nothing to be judged after");
}

/** A response entry that must be a token id. */
export function tokenIdAt(value: unknown, where: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new VerifierResponseError(`expected a token id at ${where}, found ${JSON.stringify(value)?.slice(0, 40)}`);
}
