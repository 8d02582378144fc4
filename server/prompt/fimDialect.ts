import type { LlamaModel, Token } from "node-llama-cpp";

/** The three FIM markers of one model, in prompt order. */
export interface FimTriple<T> {
  prefix: T;
  suffix: T;
  middle: T;
}

export type FimDialectName = "qwen" | "deepseek" | "codellama" | "starcoder" | "other";

/**
 * How a model family lays out a fill-in-the-middle prompt. The marker spellings are those
 * llama.cpp recognises by text when a GGUF lacks the `tokenizer.ggml.fim_*_token_id` keys
 * (src/llama-vocab.cpp, `special_fim_pre_id` search; node-llama-cpp 3.21.1's
 * `model.tokens.infill` asks llama.cpp's `llama_vocab_fim_pre/suf/mid`, which read
 * `tokenizer.ggml.fim_pre_token_id` … or the older `tokenizer.ggml.prefix_token_id` … first).
 */
export interface FimDialect {
  name: FimDialectName;
  /** Every spelling of the markers the family's vocabularies use. */
  spellings: readonly FimTriple<string>[];
  /** Text the documented layout puts after the prefix marker, before the suffix marker and before the middle marker. */
  spacing: { afterPrefixMarker: string; beforeSuffixMarker: string; beforeMiddleMarker: string };
  /** Where the layout is documented. */
  documentedAt: string;
}

const NO_SPACING = { afterPrefixMarker: "", beforeSuffixMarker: "", beforeMiddleMarker: "" } as const;

export const FIM_DIALECTS: readonly FimDialect[] = [
  {
    name: "qwen",
    spellings: [{ prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" }],
    spacing: NO_SPACING,
    documentedAt: "github.com/QwenLM/Qwen2.5-Coder README, fill in the middle: <|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
  },
  {
    name: "deepseek",
    spellings: [{ prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>" }],
    spacing: NO_SPACING,
    documentedAt: "github.com/deepseek-ai/DeepSeek-Coder README, code insertion: <｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>",
  },
  {
    name: "codellama",
    // CodeLlama's SentencePiece vocabulary spells them with its visible space; converted GGUFs may not.
    spellings: [
      { prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>" },
      { prefix: "<PRE>", suffix: "<SUF>", middle: "<MID>" },
    ],
    spacing: { afterPrefixMarker: " ", beforeSuffixMarker: " ", beforeMiddleMarker: " " },
    documentedAt: "github.com/meta-llama/codellama llama/generation.py infilling_prompt_tokens: <PRE> {pre} <SUF>{suf} <MID>",
  },
  {
    name: "starcoder",
    spellings: [{ prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>" }],
    spacing: NO_SPACING,
    documentedAt: "huggingface.co/bigcode/starcoder README, fill-in-the-middle: <fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>",
  },
];

/** FIM markers llama.cpp finds that none of the table's families spell (e.g. SantaCoder's `<fim-prefix>`): laid out without spacing. */
const OTHER_DIALECT: FimDialect = { name: "other", spellings: [], spacing: NO_SPACING, documentedAt: "llama.cpp src/llama-vocab.cpp" };

/** Qwen2.5-Coder's markers: the text layout used when no model says otherwise (the bundled family uses them). */
export const QWEN_FIM_TEXTS: FimTriple<string> = FIM_DIALECTS[0].spellings[0];

/** The dialect whose spelling the marker texts are, else "other". */
export function fimDialectOf(texts: FimTriple<string>): FimDialect {
  const same = (a: FimTriple<string>) => a.prefix === texts.prefix && a.suffix === texts.suffix && a.middle === texts.middle;
  return FIM_DIALECTS.find((dialect) => dialect.spellings.some(same)) ?? OTHER_DIALECT;
}

/** A model's FIM markers: its own token ids, their text as its vocabulary spells them, and the layout they follow. */
export interface FimMarkers {
  tokens: FimTriple<Token>;
  texts: FimTriple<string>;
  dialect: FimDialect;
  /** The tokenizer puts a space before text itself (SentencePiece's `add_space_prefix`), so a layout's space after the prefix marker is already there. */
  tokenizerAddsSpace: boolean;
}

/** The model's FIM markers as llama.cpp reads them from the GGUF; undefined when it lacks any of the three (prefix-only prompts). */
export function readFimMarkers(model: LlamaModel): FimMarkers | undefined {
  const infill = model.tokens.infill;
  const { prefix, suffix, middle } = infill;
  if (prefix == null || suffix == null || middle == null) return undefined;
  const texts = { prefix: infill.prefixString ?? "", suffix: infill.suffixString ?? "", middle: infill.middleString ?? "" };
  const ggml = model.fileInfo.metadata.tokenizer?.ggml;
  // llama.cpp: SentencePiece ("llama") vocabularies add the space unless the GGUF says otherwise.
  const tokenizerAddsSpace = ggml?.model === "llama" && ggml.add_space_prefix !== false;
  return { tokens: { prefix, suffix, middle }, texts, dialect: fimDialectOf(texts), tokenizerAddsSpace };
}

/** The separator the layout wants before `marker`, unless the marker's own spelling starts with the space. */
export function separatorBefore(separator: string, marker: string): string {
  return separator === " " && (marker.startsWith(" ") || marker.startsWith("▁")) ? "" : separator;
}

/** Shown in the status when a model has no FIM tokens. */
export const PREFIX_ONLY_NOTE = "prefix-only prompt: the model has no FIM tokens";
