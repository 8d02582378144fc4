import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { LlamaModel } from "node-llama-cpp";
import { InvalidModelFileError } from "./invalidModelFileError.js";
import { getSharedLlama, importNodeLlamaCpp } from "../llama/sharedLlama.js";
import { validateModelFile } from "./modelFileValidation.js";

export interface ModelDownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

export interface ResolveModelOptions {
  /** Where `hf:` models are downloaded to. Default: node-llama-cpp's global models folder. */
  directory?: string;
  /** Download a remote model that is not there yet. Default true. */
  download?: boolean;
  onProgress?: (progress: ModelDownloadProgress) => void;
  signal?: AbortSignal;
  /** Hugging Face endpoint (tests point it at 127.0.0.1). Default: node-llama-cpp's. */
  huggingFaceEndpoint?: string;
}

/** `hf:org/repo:QUANT`, `hf:org/repo/file.gguf` or an http(s) URL: anything resolveModelFile downloads. */
export function isRemoteModelUri(uriOrPath: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(uriOrPath);
}

/** Resolves a local path or a remote model URI to a local file, downloading with progress. */
export async function resolveModelPath(uriOrPath: string, options: ResolveModelOptions = {}): Promise<string> {
  if (!isRemoteModelUri(uriOrPath)) {
    // Local paths need no resolver; a missing file is a model-file error the user can act on.
    if (!existsSync(uriOrPath)) throw new InvalidModelFileError(uriOrPath, "no such file");
    return resolve(uriOrPath);
  }
  const { resolveModelFile } = await importNodeLlamaCpp();
  return resolveModelFile(uriOrPath, {
    directory: options.directory,
    download: options.download === false ? false : "auto",
    cli: false,
    signal: options.signal,
    endpoints: options.huggingFaceEndpoint ? { huggingFace: options.huggingFaceEndpoint } : undefined,
    onProgress: options.onProgress
      ? ({ downloadedSize, totalSize }) => options.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize })
      : undefined,
  });
}

export interface LoadModelOptions extends ResolveModelOptions {
  /** The vocabulary alone, no weights (a model-free drafter's tokenizer). Default false. */
  vocabOnly?: boolean;
}

/**
 * The one place models are loaded: resolve (path or URI), validate the header so a broken
 * file is an error rather than a process abort, then load with the shared Llama.
 */
export async function loadModel(uriOrPath: string, options: LoadModelOptions = {}): Promise<LlamaModel> {
  const path = await resolveModelPath(uriOrPath, options);
  await validateModelFile(path);
  const llama = await getSharedLlama();
  return llama.loadModel({ modelPath: path, gpuLayers: 0, ...(options.vocabOnly ? { vocabOnly: true } : {}) });
}
