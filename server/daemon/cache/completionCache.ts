/** How many completions the cache keeps. Default 64. */
export const DEFAULT_COMPLETION_CACHE_CAPACITY = 64;

export interface CompletionCacheOptions {
  /** Default {@link DEFAULT_COMPLETION_CACHE_CAPACITY}. */
  capacity?: number;
}

export interface CachedCompletion {
  /** What is left to suggest: the cached completion minus what the user typed since. */
  text: string;
  /** "exact": same prefix; "typeThrough": the user typed the start of the cached completion. */
  kind: "exact" | "typeThrough";
}

interface Entry {
  prefix: string;
  suffix: string;
  completion: string;
}

/**
 * Least-recently-used completions keyed by (prefix, suffix). A lookup also hits when the
 * new prefix is an old prefix plus text the user typed that starts the old completion: the
 * remainder is returned without running the engine (llama.vscode's walk-back, done by a
 * prefix test instead of re-hashing shorter prompts).
 */
export class CompletionCache {
  readonly #capacity: number;
  /** Insertion order is recency order: the last entry is the most recent. */
  readonly #entries: Entry[] = [];

  constructor(options: CompletionCacheOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? DEFAULT_COMPLETION_CACHE_CAPACITY);
  }

  get size(): number {
    return this.#entries.length;
  }

  lookup(prefix: string, suffix: string): CachedCompletion | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i];
      if (entry === undefined || entry.suffix !== suffix || !prefix.startsWith(entry.prefix)) continue;
      const typed = prefix.slice(entry.prefix.length);
      if (!entry.completion.startsWith(typed)) continue;
      this.#entries.splice(i, 1);
      this.#entries.push(entry);
      return { text: entry.completion.slice(typed.length), kind: typed === "" ? "exact" : "typeThrough" };
    }
    return undefined;
  }

  store(prefix: string, suffix: string, completion: string): void {
    const existing = this.#entries.findIndex((e) => e.prefix === prefix && e.suffix === suffix);
    if (existing !== -1) this.#entries.splice(existing, 1);
    this.#entries.push({ prefix, suffix, completion });
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
