import type { VerifierProtocol } from "../verifierProtocol.js";

/** A token-id protocol was asked for, but the verifier tokenizes differently from the drafter. */
export class TokenizerMismatchError extends Error {
  constructor(
    readonly endpoint: string,
    readonly protocol: VerifierProtocol,
  ) {
    super(
      `Verifier at ${endpoint}: ${protocol} sends token ids, so it needs the drafter's tokenizer, but the verifier tokenizes a probe text differently. ` +
        "Use a drafter of the verifier's family, or set configspec.verifier.protocol to echo-logprobs (drafts as text) or predicted-outputs, or auto.",
    );
    this.name = "TokenizerMismatchError";
  }
}
