import { SupersededError } from "../errors/supersededError.js";

/**
 * Only the newest inline completion request per document runs: starting one aborts the one
 * before it (with a {@link SupersededError} reason) — the user has typed since.
 */
export class NewestRequestPerDocument {
  readonly #running = new Map<string, AbortController>();

  /** Registers a request; `signal` aborts when a newer one for `uri` begins. Call `end` in `finally`. */
  begin(uri: string): { signal: AbortSignal; end(): void } {
    this.#running.get(uri)?.abort(new SupersededError());
    const controller = new AbortController();
    this.#running.set(uri, controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.#running.get(uri) === controller) this.#running.delete(uri);
      },
    };
  }

  /** Aborts whatever runs for `uri` (the document closed). */
  abort(uri: string): void {
    this.#running.get(uri)?.abort(new SupersededError());
    this.#running.delete(uri);
  }
}
