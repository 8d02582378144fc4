import type { Drafter } from "../../drafter/drafter.js";
import { FIM_TEXT } from "../../prompt/completionPrompt.js";
import { tokenizeByEcho } from "../../verifier/protocols/echoLogprobsProtocol.js";
import type { TokenVerifier } from "../../verifier/protocols/tokenVerifier.js";
import type { VerifierClient } from "../../verifier/verifierClient.js";

/**
 * Text that exercises what differs between tokenizers: FIM control tokens, indentation, code
 * punctuation, digits, accents, CJK and an emoji (byte fallback).
 */
export const TOKENIZER_PROBE_TEXT =
  `${FIM_TEXT.prefix}def mean(values):\n    return sum(values) / len(values)  # ünïcødé 平均 😀\n` +
  `${FIM_TEXT.suffix}\n\tconst x = [1, 22, 333];${FIM_TEXT.middle}`;

/**
 * Whether drafter and verifier tokenize alike, so token ids can be exchanged: the verifier's
 * echo of the probe (after a BOS it may add) equals the drafter's tokenization. Checked once per
 * engine; any mismatch means text mode, which is always correct, only slower to judge.
 */
export async function sharesTokenizer(drafter: Drafter, verifier: VerifierClient | TokenVerifier, signal?: AbortSignal): Promise<boolean> {
  const ours = drafter.tokenizeWithSpecialTokens(TOKENIZER_PROBE_TEXT);
  // Each protocol asks the way its engine can answer (echo, /tokenize, /generate).
  const theirs = "tokenize" in verifier ? await verifier.tokenize(TOKENIZER_PROBE_TEXT, { signal }) : await tokenizeByEcho(verifier, TOKENIZER_PROBE_TEXT, { signal });
  const extra = theirs.length - ours.length;
  if (extra !== 0 && extra !== 1) return false;
  return ours.every((token, i) => token === theirs[i + extra]);
}
