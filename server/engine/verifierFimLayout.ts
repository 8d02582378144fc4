import type { FimLayout } from "../prompt/completionPrompt.js";
import { FIM_DIALECTS, PREFIX_ONLY_NOTE, type FimMarkers, type FimTriple } from "../prompt/fimDialect.js";
import { tokenizerRoutes } from "../verifier/protocols/protocolResolution.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { isAbortError } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { VerifierResponseError } from "../verifier/verifierResponseError.js";
import { verifierTokenize } from "./loops/sharedTokenizer.js";

/**
 * The FIM layout of the text the verifier is sent: `undefined` keeps the drafter's (or the
 * default) layout, `null` sends the prefix alone; `note` says why, for the status.
 */
export interface VerifierFimLayout {
  layout: FimLayout | null | undefined;
  note: string | undefined;
}

/**
 * Whether the verifier reads these FIM marker texts as its own special tokens (one token each,
 * special tokens parsed as servers do for text prompts — llama-server's POST /tokenize with
 * parse_special), so a text prompt in this dialect means FIM to it. Counted as the tokens the
 * markers add when repeated, so a BOS the route adds cancels out. Throws a VerifierResponseError
 * when the route's answer cannot be a tokenization of them.
 */
export async function verifierReadsFimMarkers(markers: FimTriple<string>, verifier: VerifierClient | TokenVerifier, signal?: AbortSignal): Promise<boolean> {
  const once = `${markers.prefix}${markers.suffix}${markers.middle}`;
  const [single, double] = await Promise.all([verifierTokenize(verifier, once, signal), verifierTokenize(verifier, once + once, signal)]);
  // A route that answers without tokenizing (llama-server takes vLLM's /tokenize body and returns no tokens) says nothing.
  if (single.length < 3 || double.length <= single.length) throw new VerifierResponseError(`${single.length} and ${double.length} tokens for three and six FIM markers: not a tokenization`);
  return double.length - single.length === 3;
}

/** The first spelling the verifier reads, asked through the first tokenizer route that answers; undefined when none answers. */
async function firstReadSpelling(client: VerifierClient, spellings: readonly FimTriple<string>[], signal?: AbortSignal): Promise<FimTriple<string> | null | undefined> {
  for (const route of [client, ...tokenizerRoutes(client)]) {
    try {
      for (const spelling of spellings) if (await verifierReadsFimMarkers(spelling, route, signal)) return spelling;
      return null;
    } catch (error) {
      // This route cannot tokenize here (no echo, no /tokenize, a fault): the next may; the check never fails an engine.
      if (isAbortError(error) || error instanceof DisposedError) throw error;
    }
  }
  return undefined;
}

function layoutOf(spelling: FimTriple<string>): FimLayout {
  const dialect = FIM_DIALECTS.find((d) => d.spellings.includes(spelling))!;
  // SentencePiece spells its space "▁": such a vocabulary adds the space before text itself.
  return { texts: spelling, dialect, tokenizerAddsSpace: spelling.prefix.startsWith("▁") };
}

/**
 * Checks a text prompt's FIM markers against the verifier's tokenizer: the drafter's own first,
 * then every dialect of the table (the verifier may be of another family). A verifier that reads
 * none gets the prefix alone, never markers it would take as plain text; one whose tokenizer no
 * route can ask keeps the layout, and the note says it went unchecked.
 */
export async function resolveVerifierFimLayout(client: VerifierClient, drafterMarkers: FimMarkers | undefined | "no drafter", signal?: AbortSignal): Promise<VerifierFimLayout> {
  if (drafterMarkers === undefined) return { layout: undefined, note: PREFIX_ONLY_NOTE };
  const own = drafterMarkers === "no drafter" ? [] : [drafterMarkers.texts];
  const spellings = [...own, ...FIM_DIALECTS.flatMap((dialect) => dialect.spellings).filter((s) => !own.some((o) => o.prefix === s.prefix))];
  const read = await firstReadSpelling(client, spellings, signal);
  const asked = own[0] ?? spellings[0];
  if (read === undefined) return { layout: undefined, note: `FIM markers unchecked: ${client.endpoint} has no route that tokenizes ${asked.prefix}` };
  if (read === null) return { layout: null, note: `prefix-only prompt: the verifier's tokenizer has no FIM tokens (${asked.prefix} and the other dialects' are plain text to it)` };
  if (read === own[0]) return { layout: undefined, note: undefined };
  const layout = layoutOf(read);
  // Without a drafter the verifier's own dialect is simply the prompt's: nothing departs from a drafter's.
  if (drafterMarkers === "no drafter") return { layout, note: undefined };
  return { layout, note: `the verifier is sent FIM text in its own ${layout.dialect.name} dialect (${read.prefix}, not the drafter's ${drafterMarkers.dialect.name} ${drafterMarkers.texts.prefix})` };
}
