import type { Drafter } from "../../drafter/drafter.js";
import { DEFAULT_FIM_LAYOUT } from "../../prompt/completionPrompt.js";
import type { FimTriple } from "../../prompt/fimDialect.js";
import { tokenizeByEcho } from "../../verifier/protocols/echoLogprobsProtocol.js";
import type { TokenVerifier } from "../../verifier/protocols/tokenVerifier.js";
import type { VerifierClient } from "../../verifier/verifierClient.js";

/**
 * Text that exercises what differs between tokenizers: the FIM markers (the drafter's own, so a
 * shared verdict covers them), indentation, code punctuation, digits, accents, CJK and an emoji
 * (byte fallback).
 */
export function tokenizerProbeText(markers: FimTriple<string> = DEFAULT_FIM_LAYOUT.texts): string {
  return `${markers.prefix}def mean(values):\n    return sum(values) / len(values)  # ünïcødé 平均 😀\n` + `${markers.suffix}\n\tconst x = [1, 22, 333];${markers.middle}`;
}

/** The probe with Qwen's markers (the bundled family's dialect). */
export const TOKENIZER_PROBE_TEXT = tokenizerProbeText();

/** The probe for this drafter: its own FIM markers, else Qwen's. */
export function drafterProbeText(drafter: Drafter): string {
  return tokenizerProbeText(drafter.fimMarkers?.texts);
}

/** How the verifier tokenizes text, through whatever route it has (echo, /tokenize, /generate). */
export function verifierTokenize(verifier: VerifierClient | TokenVerifier, text: string, signal?: AbortSignal): Promise<number[]> {
  return "tokenize" in verifier ? verifier.tokenize(text, { signal }) : tokenizeByEcho(verifier, text, { signal });
}

/**
 * Whether drafter and verifier tokenize alike, so token ids can be exchanged: the verifier's
 * echo of the probe (after a BOS it may add) equals the drafter's tokenization. Checked once per
 * engine; any mismatch means text mode, which is always correct, only slower to judge.
 */
export async function sharesTokenizer(drafter: Drafter, verifier: VerifierClient | TokenVerifier, signal?: AbortSignal): Promise<boolean> {
  const probe = drafterProbeText(drafter);
  const ours = drafter.tokenizeWithSpecialTokens(probe);
  const theirs = await verifierTokenize(verifier, probe, signal);
  const extra = theirs.length - ours.length;
  if (extra !== 0 && extra !== 1) return false;
  return ours.every((token, i) => token === theirs[i + extra]);
}
