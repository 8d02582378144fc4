import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readGgufFileInfo } from "node-llama-cpp";
import { writeGgufFile } from "../../../server/gguf/ggufWriter.js";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../../server/gguf/float16.js";
import { roundTripTensor } from "../../../server/gguf/tensorEncoding.js";
import type { GgufValue } from "../../../server/gguf/ggufTypes.js";
import { tempDir } from "../../helpers/tempDir.js";

test("written GGUF reads back with node-llama-cpp's own parser: metadata, dims, types, offsets", async () => {
  const dir = await tempDir();
  const path = join(dir, "roundtrip.gguf");
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["test.u32", { type: "uint32", value: 4096 }],
    ["test.f32", { type: "float32", value: 0.5 }],
    ["test.flag", { type: "bool", value: true }],
    ["test.names", { type: "stringArray", value: ["a", "ü", "<0x0A>"] }],
    ["test.ints", { type: "int32Array", value: [1, -2, 3] }],
  ]);
  const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  await writeGgufFile(path, metadata, [
    { name: "a.f32", dims: [32, 2], data: values, quantization: "F32" },
    { name: "b.f16", dims: [64], data: values, quantization: "F16" },
    { name: "c.q8", dims: [32, 2], data: values, quantization: "Q8_0" },
  ]);
  const info = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(info.version, 3);
  const m = info.metadata as unknown as { test: Record<string, unknown> };
  assert.equal(m.test.u32, 4096);
  assert.equal(m.test.f32, 0.5);
  assert.equal(m.test.flag, true);
  assert.deepEqual(m.test.names, ["a", "ü", "<0x0A>"]);
  assert.deepEqual(m.test.ints, [1, -2, 3]);
  const tensors = info.tensorInfo ?? [];
  assert.deepEqual(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType]), [
    ["a.f32", [32, 2], 0],
    ["b.f16", [64], 1],
    ["c.q8", [32, 2], 8],
  ]);
  for (const t of tensors) assert.equal(Number(t.offset) % 32, 0, `${t.name} offset aligned to 32`);
  assert.equal(Number(tensors[1].offset), 256, "F32 tensor of 64 values takes 256 bytes");
});

test("F16 conversion rounds to nearest even and round-trips exactly representable values", () => {
  for (const v of [0, 1, -1, 0.5, 65504, -2.5, 2 ** -14, 2 ** -24]) assert.equal(float16BitsToFloat32(float32ToFloat16Bits(v)), v);
  assert.equal(float32ToFloat16Bits(1 + 2 ** -11), float32ToFloat16Bits(1), "tie rounds to even");
  assert.equal(float32ToFloat16Bits(1e6), 0x7c00, "overflow saturates to +inf");
});

test("Q8_0 round trip stays within half a step plus the fp16 rounding of the scale", () => {
  const values = Float32Array.from({ length: 96 }, (_, i) => Math.cos(i * 0.37) * (i + 1));
  const restored = roundTripTensor(values, "Q8_0");
  for (let block = 0; block < 3; block++) {
    const slice = values.subarray(block * 32, block * 32 + 32);
    const step = Math.max(...slice.map(Math.abs)) / 127;
    // The scale itself is stored as fp16 (relative error ≤ 2^-11), scaled by |q| ≤ 127.
    const bound = step * (0.5 + 127 * 2 ** -11);
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(restored[block * 32 + i] - slice[i]) <= bound, `block ${block} value ${i}`);
  }
});

test("Q8_0 refuses rows that are not whole blocks of 32, which llama.cpp would refuse at load", async () => {
  const dir = await tempDir();
  const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const metadata = new Map<string, GgufValue>([["general.architecture", { type: "string", value: "llama" }]]);
  // 64 values, a multiple of 32 in all, but rows of 16.
  await assert.rejects(writeGgufFile(join(dir, "bad.gguf"), metadata, [{ name: "w.q8", dims: [16, 4], data: values, quantization: "Q8_0" }]), /Q8_0 needs rows \(ne0\) that are a multiple of 32, got 16x4/);
});
