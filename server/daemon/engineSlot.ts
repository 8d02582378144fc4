import type { CompletionSource } from "../completionContract.js";
import { raceAbort } from "./cancellation.js";

/** After a failed build, completions fail fast for this long instead of rebuilding per keystroke. Default 10 s. */
export const DEFAULT_BUILD_RETRY_MS = 10_000;

export interface EngineSlotOptions {
  /** Builds the engine for the current settings; aborted when the slot is invalidated meanwhile. */
  build: (signal: AbortSignal) => Promise<CompletionSource>;
  /** Default {@link DEFAULT_BUILD_RETRY_MS}. */
  buildRetryMs?: number;
}

/**
 * Holds the one engine: built lazily on first use, used by one completion at a time (the
 * drafter has a single context), dropped and disposed when settings invalidate it or
 * completions are disabled — disposal queues behind the completion that is using it.
 */
export class EngineSlot {
  readonly #options: EngineSlotOptions;
  #engine: Promise<CompletionSource> | undefined;
  #buildController: AbortController | undefined;
  #failedAt = 0;
  /** Resolves when the current holder is done; each user chains onto it. */
  #queue: Promise<void> = Promise.resolve();
  #disposed = false;

  constructor(options: EngineSlotOptions) {
    this.#options = options;
  }

  /** Whether an engine is built or being built. */
  get loaded(): boolean {
    return this.#engine !== undefined;
  }

  /** Runs `use` with exclusive use of the engine, building it first if needed. */
  async run<T>(signal: AbortSignal, use: (engine: CompletionSource) => Promise<T>): Promise<T> {
    const release = this.#enqueue();
    try {
      await raceAbort(release.turn, signal);
      const engine = await raceAbort(this.#get(), signal);
      return await use(engine);
    } finally {
      release.done();
    }
  }

  /** Drops the engine; it is disposed once its current user (if any) is done. The next `run` rebuilds. */
  invalidate(): Promise<void> {
    const engine = this.#engine;
    this.#engine = undefined;
    this.#failedAt = 0;
    this.#buildController?.abort();
    this.#buildController = undefined;
    if (!engine) return Promise.resolve();
    const release = this.#enqueue();
    return release.turn
      .then(() => engine)
      .then((built) => built.dispose(), () => {}) // a build that failed has nothing to dispose
      .finally(() => release.done());
  }

  /** A failed build is retried at the next `run` rather than after the back-off (its cause is known to be gone). */
  forgetFailedBuild(): void {
    if (this.#failedAt === 0) return;
    this.#engine = undefined;
    this.#failedAt = 0;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.invalidate();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  #get(): Promise<CompletionSource> {
    if (this.#disposed) return Promise.reject(new Error("the engine slot is disposed"));
    const retryMs = this.#options.buildRetryMs ?? DEFAULT_BUILD_RETRY_MS;
    if (this.#engine && this.#failedAt !== 0 && Date.now() - this.#failedAt > retryMs) this.#engine = undefined;
    if (!this.#engine) {
      const controller = new AbortController();
      this.#buildController = controller;
      this.#failedAt = 0;
      const building = this.#options.build(controller.signal);
      this.#engine = building;
      building.catch(() => {
        if (this.#engine === building) this.#failedAt = Date.now();
      });
    }
    return this.#engine;
  }

  #enqueue(): { turn: Promise<void>; done(): void } {
    const turn = this.#queue;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.#queue = turn.then(() => mine);
    return { turn, done };
  }
}
