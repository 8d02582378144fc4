import type { LlamaModel } from "node-llama-cpp";

/**
 * llama.cpp's `general.file_type` (enum llama_ftype) as the quantisation names users know; a
 * model whose weights mix types reports its dominant one.
 */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
  24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
};

/** What a drafter is, as the profile records it (a model-free drafter: no weights, "none"). */
export interface DrafterFacts {
  quantization: string;
  parameters: number;
  layers: number;
  /** Weights resident in memory (llama.cpp's model size). */
  memoryBytes: number;
}

/** What the GGUF header says about a loaded drafting model. */
export function modelFacts(model: LlamaModel): DrafterFacts {
  const fileType = model.fileInfo.metadata.general?.file_type;
  const blockCount = (model.fileInfo.architectureMetadata as { block_count?: unknown }).block_count;
  return {
    quantization: (typeof fileType === "number" && FILE_TYPES[fileType]) || "unknown",
    parameters: Math.max(1, Math.round(model.fileInsights.totalParameters)),
    layers: typeof blockCount === "number" && blockCount > 0 ? blockCount : 1,
    memoryBytes: Math.round(model.size),
  };
}
