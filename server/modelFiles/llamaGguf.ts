import { writeGgufFile } from "../gguf/ggufWriter.js";
import type { GgufTensor, GgufValue, TensorQuantization } from "../gguf/ggufTypes.js";
import type { CodeVocabulary } from "./codeVocabulary.js";
import type { LlamaWeights } from "./llamaWeights.js";

/** `general.file_type` (llama.cpp `llama_ftype`) for each whole-model quantisation. */
const FILE_TYPE: Record<TensorQuantization, number> = { F32: 0, F16: 1, Q8_0: 7 };

/**
 * A trained byte-level BPE tokenizer, as llama.cpp reads it for `tokenizer.ggml.model = "gpt2"`:
 * tokens in GPT-2's byte alphabet, merges as "a b" in rank order, control tokens of type 3.
 */
export interface BpeTokenizer {
  tokens: string[];
  types: number[];
  merges: string[];
  eos: number;
  fimPrefix: number;
  fimSuffix: number;
  fimMiddle: number;
}

export interface LlamaGgufOptions {
  name: string;
  quantization: TensorQuantization;
  /** The generated family's SentencePiece-style vocabulary, or a trained BPE tokenizer. */
  vocabulary: CodeVocabulary | BpeTokenizer;
  /** Free-text provenance stored under `configspec.derivation`. */
  derivation: string;
  /**
   * Which keys name the FIM tokens: llama.cpp's `tokenizer.ggml.fim_pre_token_id` … (default),
   * the older `tokenizer.ggml.prefix_token_id` … , or none (llama.cpp then finds them by text).
   */
  fimKeys?: "fim" | "legacy" | "none";
  /** SentencePiece vocabularies only: whether the tokenizer puts a space before text. Default false. */
  addSpacePrefix?: boolean;
}

const FIM_KEYS = {
  fim: ["tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id"],
  legacy: ["tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id"],
} as const;

/** The FIM token keys in the chosen naming, for the ids a vocabulary has. */
function fimMetadata(ids: readonly [number | undefined, number | undefined, number | undefined], keys: LlamaGgufOptions["fimKeys"] = "fim"): [string, GgufValue][] {
  if (keys === "none") return [];
  return FIM_KEYS[keys].flatMap((key, i): [string, GgufValue][] => (ids[i] === undefined ? [] : [[key, { type: "uint32", value: ids[i] }]]));
}

function isBpe(vocabulary: CodeVocabulary | BpeTokenizer): vocabulary is BpeTokenizer {
  return "merges" in vocabulary;
}

function vocabularySize(vocabulary: CodeVocabulary | BpeTokenizer): number {
  return isBpe(vocabulary) ? vocabulary.tokens.length : vocabulary.entries.length;
}

/** The `tokenizer.ggml.*` keys for either kind of vocabulary. */
function tokenizerMetadata(vocabulary: CodeVocabulary | BpeTokenizer, options: Pick<LlamaGgufOptions, "fimKeys" | "addSpacePrefix">): [string, GgufValue][] {
  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  const noAutoTokens: [string, GgufValue][] = [
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
  if (isBpe(vocabulary)) {
    return [
      ["tokenizer.ggml.model", { type: "string", value: "gpt2" }],
      // llama.cpp then pre-splits with GPT-2's regex, as the trainer did (scripts/train/bpe.py).
      ["tokenizer.ggml.pre", { type: "string", value: "gpt-2" }],
      ["tokenizer.ggml.tokens", { type: "stringArray", value: vocabulary.tokens }],
      ["tokenizer.ggml.token_type", { type: "int32Array", value: vocabulary.types }],
      ["tokenizer.ggml.merges", { type: "stringArray", value: vocabulary.merges }],
      ["tokenizer.ggml.bos_token_id", u32(vocabulary.eos)],
      ["tokenizer.ggml.eos_token_id", u32(vocabulary.eos)],
      ...fimMetadata([vocabulary.fimPrefix, vocabulary.fimSuffix, vocabulary.fimMiddle], options.fimKeys),
      ...noAutoTokens,
    ];
  }
  const { entries, ids } = vocabulary;
  return [
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "stringArray", value: entries.map((e) => e.piece) }],
    ["tokenizer.ggml.scores", { type: "float32Array", value: entries.map((e) => e.score) }],
    ["tokenizer.ggml.token_type", { type: "int32Array", value: entries.map((e) => e.type) }],
    ["tokenizer.ggml.bos_token_id", u32(ids.bos)],
    ["tokenizer.ggml.eos_token_id", u32(ids.eos)],
    ["tokenizer.ggml.unknown_token_id", u32(ids.unknown)],
    ...fimMetadata([ids.fimPrefix, ids.fimSuffix, ids.fimMiddle], options.fimKeys),
    ...noAutoTokens,
    ["tokenizer.ggml.add_space_prefix", { type: "bool", value: options.addSpacePrefix ?? false }],
  ];
}

/** Writes LLaMA weights with either vocabulary as a GGUF file node-llama-cpp loads. */
export async function writeLlamaGguf(path: string, weights: LlamaWeights, options: LlamaGgufOptions): Promise<void> {
  const a = weights.architecture;
  const tokenCount = vocabularySize(options.vocabulary);
  if (tokenCount !== a.vocabularySize) {
    throw new Error(`vocabulary has ${tokenCount} tokens, architecture expects ${a.vocabularySize}`);
  }
  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  const f32 = (value: number): GgufValue => ({ type: "float32", value });
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: options.name }],
    ["general.alignment", u32(32)],
    ["general.file_type", u32(FILE_TYPE[options.quantization])],
    ["configspec.derivation", { type: "string", value: options.derivation }],
    ["llama.context_length", u32(a.contextLength)],
    ["llama.embedding_length", u32(a.embedding)],
    ["llama.block_count", u32(a.layers)],
    ["llama.feed_forward_length", u32(a.feedForward)],
    ["llama.attention.head_count", u32(a.heads)],
    ["llama.attention.head_count_kv", u32(a.kvHeads)],
    ["llama.rope.dimension_count", u32(a.embedding / a.heads)],
    ["llama.rope.freq_base", f32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", f32(1e-5)],
    ...tokenizerMetadata(options.vocabulary, options),
  ]);

  const kvDim = (a.embedding / a.heads) * a.kvHeads;
  const E = a.embedding;
  const matrix = (name: string, dims: number[], data: Float32Array): GgufTensor => ({
    name,
    dims,
    data,
    quantization: options.quantization,
  });
  const norm = (name: string, data: Float32Array): GgufTensor => ({ name, dims: [E], data, quantization: "F32" });
  const tensors: GgufTensor[] = [matrix("token_embd.weight", [E, a.vocabularySize], weights.tokenEmbedding)];
  weights.layers.forEach((layer, i) => {
    const p = `blk.${i}.`;
    tensors.push(
      norm(`${p}attn_norm.weight`, layer.attnNorm),
      matrix(`${p}attn_q.weight`, [E, E], layer.attnQ),
      matrix(`${p}attn_k.weight`, [E, kvDim], layer.attnK),
      matrix(`${p}attn_v.weight`, [E, kvDim], layer.attnV),
      matrix(`${p}attn_output.weight`, [E, E], layer.attnOutput),
      norm(`${p}ffn_norm.weight`, layer.ffnNorm),
      matrix(`${p}ffn_gate.weight`, [E, a.feedForward], layer.ffnGate),
      matrix(`${p}ffn_up.weight`, [E, a.feedForward], layer.ffnUp),
      matrix(`${p}ffn_down.weight`, [a.feedForward, E], layer.ffnDown),
    );
  });
  tensors.push(norm("output_norm.weight", weights.outputNorm), matrix("output.weight", [E, a.vocabularySize], weights.output));
  await writeGgufFile(path, metadata, tensors);
}
