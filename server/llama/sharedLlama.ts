import type { Llama } from "node-llama-cpp";

/**
 * The one `Llama` instance of the process. node-llama-cpp is an ESM native addon: it is
 * imported lazily so the daemon starts (and idles) without loading it, and so the CommonJS
 * bundles never `require` it.
 */
let llamaPromise: Promise<Llama> | undefined;

export type NodeLlamaCpp = typeof import("node-llama-cpp");

let modulePromise: Promise<NodeLlamaCpp> | undefined;
export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  modulePromise ??= import("node-llama-cpp");
  return modulePromise;
}

export function getSharedLlama(): Promise<Llama> {
  llamaPromise ??= importNodeLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
    // CPU only and never build: the prebuilt binary is what ships; nothing is downloaded.
    getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false }),
  );
  return llamaPromise;
}

/**
 * Threads per context before this machine is profiled: the profiler's thread sweep
 * (profiler/threadSweep.ts) times each drafter at each thread count here, and the selector's pick
 * carries the count it chose. One is the safe guess: it never competes with the editor for cores.
 */
export const DEFAULT_THREADS = 1;
