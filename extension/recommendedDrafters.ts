/**
 * Real drafters offered on first run: Qwen2.5-Coder Instruct GGUF builds from the Qwen
 * organisation on Hugging Face, which node-llama-cpp resolves from `hf:` URIs. Sizes are the
 * published file sizes, rounded.
 */
export interface RecommendedDrafter {
  uri: string;
  label: string;
  /** Download size, for the offer. */
  size: string;
  detail: string;
}

export const RECOMMENDED_DRAFTERS: readonly RecommendedDrafter[] = [
  { uri: "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0", label: "Qwen2.5-Coder 0.5B Instruct Q8_0", size: "~0.53 GB", detail: "fastest drafting, near-lossless quantisation" },
  { uri: "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q4_K_M", label: "Qwen2.5-Coder 0.5B Instruct Q4_K_M", size: "~0.40 GB", detail: "smallest download" },
  { uri: "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M", label: "Qwen2.5-Coder 1.5B Instruct Q4_K_M", size: "~1.1 GB", detail: "higher acceptance, slower drafting" },
  { uri: "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q8_0", label: "Qwen2.5-Coder 1.5B Instruct Q8_0", size: "~1.9 GB", detail: "highest acceptance of the four" },
];

/** The one the first-run offer downloads with a single click. */
export const DEFAULT_RECOMMENDED_DRAFTER: RecommendedDrafter = RECOMMENDED_DRAFTERS[0];
