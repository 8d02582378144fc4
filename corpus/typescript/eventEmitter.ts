/**
 * A strongly typed event emitter.
 *
 * The event map type parameter ties every event name to its payload type, so
 * `emitter.on("message", (m) => ...)` infers `m` and `emit` rejects payloads of
 * the wrong shape at compile time.
 */

export type Listener<T> = (payload: T) => void;

interface Registration<T> {
  listener: Listener<T>;
  once: boolean;
}

export class TypedEmitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Registration<any>[]>();
  private readonly maxListeners: number;

  constructor(options: { maxListeners?: number } = {}) {
    this.maxListeners = options.maxListeners ?? 10;
  }

  /** Subscribe to an event. Returns a function that removes the listener. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    return this.add(event, listener, false);
  }

  /** Subscribe for a single emission only. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    return this.add(event, listener, true);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const regs = this.listeners.get(event);
    if (!regs) return;
    this.remove(event, regs.find((r) => r.listener === listener));
  }

  /**
   * Call every listener for `event` in registration order. A throwing listener
   * does not stop the others; errors are collected and rethrown together.
   * Returns true if at least one listener was called.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    const regs = this.listeners.get(event);
    if (!regs || regs.length === 0) return false;

    // Copy first: listeners may subscribe or unsubscribe while we iterate.
    const snapshot = regs.slice();
    const errors: unknown[] = [];
    for (const reg of snapshot) {
      if (reg.once) this.remove(event, reg);
      try {
        reg.listener(payload);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, `${errors.length} listeners for "${String(event)}" failed`);
    }
    return true;
  }

  /** Resolve with the next payload of `event`, or reject after `timeoutMs`. */
  waitFor<K extends keyof Events>(event: K, timeoutMs = 0): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const dispose = this.once(event, (payload) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(payload);
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          dispose();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for "${String(event)}"`));
        }, timeoutMs);
      }
    });
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  removeAllListeners(event?: keyof Events): void {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
  }

  private add<K extends keyof Events>(event: K, listener: Listener<Events[K]>, once: boolean): () => void {
    let regs = this.listeners.get(event);
    if (!regs) {
      regs = [];
      this.listeners.set(event, regs);
    }
    if (regs.length >= this.maxListeners) {
      throw new RangeError(`more than ${this.maxListeners} listeners for "${String(event)}"`);
    }
    const reg: Registration<Events[K]> = { listener, once };
    regs.push(reg);
    return () => this.remove(event, reg);
  }

  private remove(event: keyof Events, reg: Registration<any> | undefined): void {
    const regs = this.listeners.get(event);
    const index = reg && regs ? regs.indexOf(reg) : -1;
    if (index === -1) return;
    regs!.splice(index, 1);
    if (regs!.length === 0) this.listeners.delete(event);
  }
}
