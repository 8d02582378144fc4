/** GGUF metadata value types, as numbered in the GGUF v3 specification (ggml/docs/gguf.md). */
export const GgufValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** The ggml tensor types this project writes (numbers from ggml.h `enum ggml_type`). */
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type TensorQuantization = keyof typeof GgmlType;

/** A metadata value with its GGUF type spelled out, so the writer never guesses. */
export type GgufValue =
  | { type: "uint32"; value: number }
  | { type: "int32"; value: number }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "uint64"; value: bigint }
  | { type: "stringArray"; value: readonly string[] }
  | { type: "float32Array"; value: ArrayLike<number> }
  | { type: "int32Array"; value: ArrayLike<number> };

/** One tensor to write. `dims` are listed ne0 first, as GGUF stores them; data is row-major F32. */
export interface GgufTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array;
  quantization: TensorQuantization;
}

/** GGUF's default alignment of the data section and of every tensor offset. */
export const GGUF_ALIGNMENT = 32;
export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
