import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { once } from "node:events";
import {
  GGUF_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  GgufValueType,
  type GgufTensor,
  type GgufValue,
} from "./ggufTypes.js";
import { encodeTensor, encodedTensorBytes, Q8_0_BLOCK_SIZE } from "./tensorEncoding.js";

/** Little-endian byte builder for the header; tensor data is streamed separately. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const padTo = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;

function writeValue(sink: ByteSink, value: GgufValue): void {
  switch (value.type) {
    case "uint32":
      sink.u32(GgufValueType.uint32);
      sink.u32(value.value);
      return;
    case "int32":
      sink.u32(GgufValueType.int32);
      sink.i32(value.value);
      return;
    case "float32":
      sink.u32(GgufValueType.float32);
      sink.f32(value.value);
      return;
    case "bool":
      sink.u32(GgufValueType.bool);
      sink.push(Buffer.from([value.value ? 1 : 0]));
      return;
    case "string":
      sink.u32(GgufValueType.string);
      sink.string(value.value);
      return;
    case "uint64":
      sink.u32(GgufValueType.uint64);
      sink.u64(value.value);
      return;
    case "stringArray":
      sink.u32(GgufValueType.array);
      sink.u32(GgufValueType.string);
      sink.u64(value.value.length);
      for (const item of value.value) sink.string(item);
      return;
    case "float32Array":
      sink.u32(GgufValueType.array);
      sink.u32(GgufValueType.float32);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) sink.f32(value.value[i]);
      return;
    case "int32Array":
      sink.u32(GgufValueType.array);
      sink.u32(GgufValueType.int32);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) sink.i32(value.value[i]);
      return;
  }
}

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then the data section aligned to
 * 32 bytes with every tensor offset padded to 32. Writes to a temporary name and renames,
 * so a crash never leaves a half-written model where a valid one is expected.
 */
export async function writeGgufFile(
  path: string,
  metadata: ReadonlyMap<string, GgufValue>,
  tensors: readonly GgufTensor[],
): Promise<void> {
  const header = new ByteSink();
  header.push(Buffer.from(GGUF_MAGIC, "ascii"));
  header.u32(GGUF_VERSION);
  header.u64(tensors.length);
  header.u64(metadata.size);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) {
      throw new Error(`tensor ${tensor.name}: dims ${tensor.dims.join("x")} hold ${elements} values, data has ${tensor.data.length}`);
    }
    // ggml quantizes each row (ne0) in whole blocks; llama.cpp refuses a file whose rows are not.
    if (tensor.quantization === "Q8_0" && (tensor.dims[0] ?? 0) % Q8_0_BLOCK_SIZE !== 0) {
      throw new Error(`tensor ${tensor.name}: Q8_0 needs rows (ne0) that are a multiple of ${Q8_0_BLOCK_SIZE}, got ${tensor.dims.join("x")}`);
    }
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GgmlType[tensor.quantization]);
    header.u64(offset);
    offset = padTo(offset + encodedTensorBytes(elements, tensor.quantization), GGUF_ALIGNMENT);
  }
  const headerBytes = header.toBuffer();
  const temporaryPath = `${path}.partial`;
  const stream = createWriteStream(temporaryPath);
  const write = async (chunk: Buffer) => {
    if (!stream.write(chunk)) await once(stream, "drain");
  };
  try {
    await write(headerBytes);
    await write(Buffer.alloc(padTo(headerBytes.length, GGUF_ALIGNMENT) - headerBytes.length));
    for (const tensor of tensors) {
      const bytes = encodeTensor(tensor.data, tensor.quantization);
      await write(bytes);
      await write(Buffer.alloc(padTo(bytes.length, GGUF_ALIGNMENT) - bytes.length));
    }
    stream.end();
    await once(stream, "finish");
  } catch (error) {
    stream.destroy();
    throw error;
  }
  await rename(temporaryPath, path);
}
