import { basename, isAbsolute, resolve } from "node:path";

/** What `configspec.drafters` and `--drafter` name the model-free drafter by. */
export const NGRAM_DRAFTER_ID = "ngram";

/** `ngram`, or `ngram:<GGUF>` naming the vocabulary it drafts in; undefined for a model drafter's path or URI. */
export function ngramSpec(uriOrPath: string): { tokenizer?: string } | undefined {
  if (uriOrPath === NGRAM_DRAFTER_ID) return {};
  if (uriOrPath.startsWith(`${NGRAM_DRAFTER_ID}:`)) return { tokenizer: uriOrPath.slice(NGRAM_DRAFTER_ID.length + 1) };
  return undefined;
}

export function isNgramDrafter(uriOrPath: string): boolean {
  return ngramSpec(uriOrPath) !== undefined;
}

/** The n-gram drafter drafting in the vocabulary of the GGUF at `tokenizerPath`. */
export function ngramDrafterUri(tokenizerPath: string): string {
  return `${NGRAM_DRAFTER_ID}:${tokenizerPath}`;
}

/** A drafter's stable id: `ngram`, the file name without `.gguf`, or the repository and quantisation of an `hf:` URI. */
export function drafterIdOf(uriOrPath: string): string {
  if (isNgramDrafter(uriOrPath)) return NGRAM_DRAFTER_ID;
  const hf = /^(?:hf|huggingface):(?:[^/]+\/)?(.+)$/i.exec(uriOrPath);
  const name = hf?.[1] ?? basename(uriOrPath);
  return name.replace(/\.gguf$/i, "");
}

/** A drafter named on the command line: local paths made absolute (an `ngram:` vocabulary too), URIs as given. */
export function absoluteDrafterUri(uriOrPath: string): string {
  const ngram = ngramSpec(uriOrPath);
  if (ngram) return ngram.tokenizer === undefined ? uriOrPath : ngramDrafterUri(absoluteDrafterUri(ngram.tokenizer));
  return /^[a-z]{2,}:/i.test(uriOrPath) || isAbsolute(uriOrPath) ? uriOrPath : resolve(uriOrPath);
}

export const NGRAM_NEEDS_VOCABULARY = "the n-gram drafter needs the verifier's vocabulary: name a GGUF of its family as ngram:PATH (the embedded verifier lends its own)";

/** The file whose hash identifies the drafter in a profile: the GGUF itself, or the n-gram drafter's vocabulary. */
export function drafterIdentityFile(uriOrPath: string): string {
  const ngram = ngramSpec(uriOrPath);
  if (!ngram) return uriOrPath;
  if (ngram.tokenizer === undefined) throw new Error(NGRAM_NEEDS_VOCABULARY);
  return ngram.tokenizer;
}
