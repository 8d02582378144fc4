import { open, stat } from "node:fs/promises";
import type { GgufFileInfo } from "node-llama-cpp";
import { importNodeLlamaCpp } from "../llama/sharedLlama.js";
import { InvalidModelFileError } from "./invalidModelFileError.js";

/**
 * Keys llama.cpp needs for a `llama` model. Without `feed_forward_length` or `head_count` it
 * hits a GGML_ASSERT that aborts the whole process (probe), so they are checked first.
 */
const REQUIRED_ARCHITECTURE_KEYS = [
  "context_length",
  "embedding_length",
  "block_count",
  "feed_forward_length",
  "attention.head_count",
  "attention.layer_norm_rms_epsilon",
] as const;

/** Architectures whose header we check key by key; others only get the generic checks. */
const CHECKED_ARCHITECTURES = new Set(["llama", "qwen2", "qwen3", "mistral", "gemma", "gemma2", "starcoder2", "phi3"]);

/** Bytes per block and values per block for the tensor types our sizes check knows. */
const TYPE_LAYOUT: Record<number, { blockBytes: number; blockValues: number }> = {
  0: { blockBytes: 4, blockValues: 1 }, // F32
  1: { blockBytes: 2, blockValues: 1 }, // F16
  8: { blockBytes: 34, blockValues: 32 }, // Q8_0
  30: { blockBytes: 2, blockValues: 1 }, // BF16
};

/** Files above this are refused: no completion drafter is anywhere near it. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 ** 3;

function lookup(record: unknown, dottedKey: string): unknown {
  let value: unknown = record;
  for (const part of dottedKey.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export interface ValidatedModelFile {
  path: string;
  architecture: string;
  info: GgufFileInfo;
  bytes: number;
}

/**
 * Checks a GGUF file without loading it: magic, version, header parse, required keys, and
 * that every tensor lies inside the file. Throws {@link InvalidModelFileError}; never lets a
 * file through that would make llama.cpp abort the process.
 */
export async function validateModelFile(path: string): Promise<ValidatedModelFile> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidModelFileError(path, "expected a file, found a directory or device");
    size = info.size;
  } catch (error) {
    if (error instanceof InvalidModelFileError) throw error;
    throw new InvalidModelFileError(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (size < 24) throw new InvalidModelFileError(path, `expected a GGUF header of at least 24 bytes, found ${size} bytes`);
  if (size > MAX_MODEL_FILE_BYTES) throw new InvalidModelFileError(path, `file of ${size} bytes is larger than the ${MAX_MODEL_FILE_BYTES} allowed`);

  const handle = await open(path, "r");
  const head = Buffer.alloc(8);
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  const magic = head.subarray(0, 4).toString("latin1");
  if (magic !== "GGUF") throw new InvalidModelFileError(path, `expected magic "GGUF", found ${JSON.stringify(magic)}`);
  const version = head.readUInt32LE(4);
  if (version !== 2 && version !== 3) throw new InvalidModelFileError(path, `expected GGUF version 2 or 3, found ${version}`);

  const { readGgufFileInfo } = await importNodeLlamaCpp();
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(path, { sourceType: "filesystem", logWarnings: false, spliceSplitFiles: false });
  } catch (error) {
    throw new InvalidModelFileError(path, `the GGUF header does not parse (${(error as Error).message})`);
  }

  const architecture = lookup(info.metadata, "general.architecture");
  if (typeof architecture !== "string") throw new InvalidModelFileError(path, "expected key general.architecture, found none");
  if (CHECKED_ARCHITECTURES.has(architecture)) {
    const missing = REQUIRED_ARCHITECTURE_KEYS.filter((key) => typeof lookup(info.metadata, `${architecture}.${key}`) !== "number");
    if (missing.length > 0) {
      throw new InvalidModelFileError(path, `expected keys ${missing.map((k) => `${architecture}.${k}`).join(", ")}, missing`);
    }
  }
  const tokens = lookup(info.metadata, "tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || tokens.length === 0) throw new InvalidModelFileError(path, "expected a tokenizer (tokenizer.ggml.tokens), found none");

  // A truncated file parses (the header is intact) but its tensors run past the end.
  for (const tensor of info.tensorInfo ?? []) {
    const layout = TYPE_LAYOUT[tensor.ggmlType];
    if (!layout) continue;
    const values = tensor.dimensions.reduce<number>((product, d) => product * Number(d), 1);
    const end = Number(tensor.fileOffset) + (values / layout.blockValues) * layout.blockBytes;
    if (end > size) {
      throw new InvalidModelFileError(path, `tensor ${tensor.name} ends at byte ${end}, file has ${size} bytes (truncated?)`);
    }
  }
  return { path, architecture, info, bytes: size };
}
