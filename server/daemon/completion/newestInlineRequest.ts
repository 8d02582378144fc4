import { SupersededError } from "../errors/supersededError.js";

/**
 * Only the newest inline completion request runs: starting one aborts every older one (with a
 * {@link SupersededError} reason), in any document. Inline suggestions show only in the focused
 * editor, so a request from another document means the user moved on; letting the old one run
 * made the new one wait behind a whole engine run per recently edited file (typing storm test).
 */
export class NewestInlineRequest {
  readonly #running = new Map<string, AbortController>();

  /** Registers a request; `signal` aborts when a newer one begins. Call `end` in `finally`. */
  begin(uri: string): { signal: AbortSignal; end(): void } {
    for (const older of this.#running.values()) older.abort(new SupersededError());
    this.#running.clear();
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
