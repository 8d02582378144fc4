import { loadModel, type LoadModelOptions } from "../modelFiles/modelLoader.js";
import { ModelDrafter, type Drafter, type ModelDrafterOptions } from "./drafter.js";
import { NGRAM_NEEDS_VOCABULARY, ngramSpec } from "./drafterSpec.js";
import { NgramDrafter } from "./ngramDrafter.js";
import { ModelTokenizer } from "./tokenizer.js";

export interface DrafterOptions extends ModelDrafterOptions {
  /**
   * The model-free drafter's vocabulary: a GGUF (path or `hf:` URI) of the verifier's family,
   * loaded vocabulary-only. Unused by model drafters.
   */
  tokenizerUriOrPath?: string;
}

/** The prompt window's ceiling when a vocabulary's GGUF declares no context length. */
const FALLBACK_CONTEXT_SIZE = 4096;

/** The one way drafters are loaded: `ngram` (model-free, over a borrowed vocabulary) or a GGUF model. */
export async function loadDrafter(options: DrafterOptions): Promise<Drafter> {
  const ngram = ngramSpec(options.uriOrPath);
  if (!ngram) return ModelDrafter.load(options);
  const tokenizerSource = ngram.tokenizer ?? options.tokenizerUriOrPath;
  if (!tokenizerSource) {
    throw new Error(NGRAM_NEEDS_VOCABULARY);
  }
  return new NgramDrafter(await loadVocabulary(tokenizerSource, options));
}

/** A GGUF's vocabulary alone (no weights in memory), as the n-gram drafter's tokenizer. */
async function loadVocabulary(uriOrPath: string, options: LoadModelOptions): Promise<{ tokenizer: ModelTokenizer; owned: AsyncDisposable }> {
  const model = await loadModel(uriOrPath, { ...options, vocabOnly: true });
  // A vocabulary-only load reports no train context; the header still names it.
  const declared = Number((model.fileInfo.architectureMetadata as { context_length?: unknown }).context_length);
  const contextSize = model.trainContextSize || (Number.isInteger(declared) && declared > 0 ? declared : FALLBACK_CONTEXT_SIZE);
  return { tokenizer: new ModelTokenizer(model, contextSize), owned: model };
}
