/** Where the engines' builds live: CONFIGSPEC_ENGINE_CACHE, else ~/.cache/configspec/engines. */
export function engineCacheRoot(): string;
/** The cached llama-server's path for the bundle node_modules holds now (it may not exist yet). */
export function llamaServerPath(): string;
/** Builds llama-server unless the cache holds it; returns its path. */
export function buildLlamaServer(options?: { jobs?: number }): string;
