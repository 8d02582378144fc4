import { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.js";
import type { TensorQuantization } from "./ggufTypes.js";

/** Q8_0 groups 32 values: an fp16 scale (amax / 127) followed by 32 int8 (ggml-quants.c). */
export const Q8_0_BLOCK_SIZE = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK_SIZE;

export function encodedTensorBytes(elementCount: number, quantization: TensorQuantization): number {
  switch (quantization) {
    case "F32":
      return elementCount * 4;
    case "F16":
      return elementCount * 2;
    case "Q8_0":
      return (elementCount / Q8_0_BLOCK_SIZE) * Q8_0_BLOCK_BYTES;
  }
}

/** Encodes row-major F32 values into the byte layout ggml expects for the given type. */
export function encodeTensor(data: Float32Array, quantization: TensorQuantization): Buffer {
  const out = Buffer.alloc(encodedTensorBytes(data.length, quantization));
  if (quantization === "F32") {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out);
  } else if (quantization === "F16") {
    for (let i = 0; i < data.length; i++) out.writeUInt16LE(float32ToFloat16Bits(data[i]), i * 2);
  } else {
    if (data.length % Q8_0_BLOCK_SIZE !== 0) {
      throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK_SIZE} values, got ${data.length}`);
    }
    for (let block = 0; block * Q8_0_BLOCK_SIZE < data.length; block++) {
      const start = block * Q8_0_BLOCK_SIZE;
      let amax = 0;
      for (let i = 0; i < Q8_0_BLOCK_SIZE; i++) amax = Math.max(amax, Math.abs(data[start + i]));
      const scale = amax / 127;
      const inverse = scale ? 1 / scale : 0;
      const offset = block * Q8_0_BLOCK_BYTES;
      out.writeUInt16LE(float32ToFloat16Bits(scale), offset);
      for (let i = 0; i < Q8_0_BLOCK_SIZE; i++) {
        out.writeInt8(Math.round(data[start + i] * inverse), offset + 2 + i);
      }
    }
  }
  return out;
}

/** The values a quantised tensor really holds, so derived models can start from them. */
export function roundTripTensor(data: Float32Array, quantization: TensorQuantization): Float32Array {
  if (quantization === "F32") return data;
  const bytes = encodeTensor(data, quantization);
  const out = new Float32Array(data.length);
  if (quantization === "F16") {
    for (let i = 0; i < data.length; i++) out[i] = float16BitsToFloat32(bytes.readUInt16LE(i * 2));
    return out;
  }
  for (let block = 0; block * Q8_0_BLOCK_SIZE < data.length; block++) {
    const offset = block * Q8_0_BLOCK_BYTES;
    const scale = float16BitsToFloat32(bytes.readUInt16LE(offset));
    for (let i = 0; i < Q8_0_BLOCK_SIZE; i++) {
      out[block * Q8_0_BLOCK_SIZE + i] = scale * bytes.readInt8(offset + 2 + i);
    }
  }
  return out;
}
