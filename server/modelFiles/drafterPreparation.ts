import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generateModelFamily } from "./modelFamily.js";
import { MANIFEST_FILE_NAME, readModelManifest } from "./modelManifest.js";
import { isRemoteModelUri, resolveModelPath } from "./modelLoader.js";

export interface PreparationProgress {
  message: string;
  /** 0–100, when known. */
  percentage?: number;
}

export interface DownloadDraftersOptions {
  /** Where remote models are stored; the daemon resolves `hf:` URIs in the same folder later. */
  directory: string;
  signal: AbortSignal;
  onProgress: (progress: PreparationProgress) => void;
}

/**
 * Downloads remote drafters (`hf:` URIs) into `directory`, one after the other, with byte
 * progress. Returns the URIs to keep in settings: the daemon resolves them to the downloaded
 * files without downloading again.
 */
export async function downloadDrafters(uris: readonly string[], options: DownloadDraftersOptions): Promise<string[]> {
  for (const [index, uri] of uris.entries()) {
    if (!isRemoteModelUri(uri)) continue;
    const label = `${uri} (${index + 1}/${uris.length})`;
    options.onProgress({ message: `downloading ${label}`, percentage: (100 * index) / uris.length });
    await resolveModelPath(uri, {
      directory: options.directory,
      signal: options.signal,
      onProgress: ({ downloadedBytes, totalBytes }) => {
        const fraction = totalBytes > 0 ? downloadedBytes / totalBytes : 0;
        options.onProgress({
          message: `downloading ${label}: ${(downloadedBytes / 1e6).toFixed(0)} / ${(totalBytes / 1e6).toFixed(0)} MB`,
          percentage: (100 * (index + fraction)) / uris.length,
        });
      },
    });
    // node-llama-cpp 3.21 resolves (with the path of a file it deleted) when aborted mid-download.
    options.signal.throwIfAborted();
  }
  return [...uris];
}

/**
 * The generated model family in `familyDir` (generated on first call, into a staging folder
 * renamed into place so an interrupted run never leaves half a family). Returns the drafters'
 * paths; the family's target is what the embedded verifier serves.
 */
export async function ensureGeneratedFamily(familyDir: string, onProgress: (progress: PreparationProgress) => void): Promise<string[]> {
  const manifestPath = join(familyDir, MANIFEST_FILE_NAME);
  if (!existsSync(manifestPath)) {
    await mkdir(dirname(familyDir), { recursive: true });
    const staging = await mkdtemp(`${familyDir}-staging-`);
    try {
      let written = 0;
      await generateModelFamily(staging, {
        // the family is a target and four drafters
        onProgress: (message) => onProgress({ message, percentage: (100 * written++) / 5 }),
      });
      await rename(staging, familyDir).catch((error: unknown) => {
        if (!existsSync(manifestPath)) throw error; // else another process generated it first
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const { models } = await readModelManifest(manifestPath);
  return models.filter((m) => m.role === "drafter").map((m) => m.absolutePath);
}
