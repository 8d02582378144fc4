/** How many completions the cache keeps. Default 64. */
export const DEFAULT_COMPLETION_CACHE_CAPACITY = 64;

/**
 * Most document characters (prefix + suffix, summed over entries) the cache keeps. Entries hold
 * whole document prefixes, so 64 completions in a 10 MB file would otherwise pin ~1 GB.
 * Default 8M characters (16 MB of UTF-16 at worst).
 */
export const DEFAULT_COMPLETION_CACHE_MAX_CHARS = 8_000_000;

export interface CompletionCacheOptions {
  /** Default {@link DEFAULT_COMPLETION_CACHE_CAPACITY}. */
  capacity?: number;
  /** Default {@link DEFAULT_COMPLETION_CACHE_MAX_CHARS}. */
  maxChars?: number;
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
  readonly #maxChars: number;
  #chars = 0;
  /** Insertion order is recency order: the last entry is the most recent. */
  readonly #entries: Entry[] = [];

  constructor(options: CompletionCacheOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? DEFAULT_COMPLETION_CACHE_CAPACITY);
    this.#maxChars = Math.max(0, options.maxChars ?? DEFAULT_COMPLETION_CACHE_MAX_CHARS);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Document characters held (prefix + suffix of every entry). */
  get chars(): number {
    return this.#chars;
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
    if (existing !== -1) this.#forget(this.#entries.splice(existing, 1));
    const size = prefix.length + suffix.length;
    if (size > this.#maxChars) return; // a document this large is never worth pinning
    this.#entries.push({ prefix, suffix, completion });
    this.#chars += size;
    while (this.#entries.length > this.#capacity || this.#chars > this.#maxChars) this.#forget(this.#entries.splice(0, 1));
  }

  clear(): void {
    this.#entries.length = 0;
    this.#chars = 0;
  }

  #forget(removed: Entry[]): void {
    for (const entry of removed) this.#chars -= entry.prefix.length + entry.suffix.length;
  }
}
