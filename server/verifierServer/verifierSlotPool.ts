import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { SlotPoolClosedError } from "./slotPoolClosedError.js";
import { VerifierSlot } from "./verifierSlot.js";

export interface VerifierSlotPoolOptions {
  /** Sequences of the one context, i.e. requests evaluated concurrently. */
  slots: number;
  /** Tokens each slot holds (prompt + completion). */
  contextSize: number;
  /** Tokens per decode. Default {@link DEFAULT_VERIFIER_BATCH_SIZE}. */
  batchSize?: number;
  /** Default {@link DEFAULT_THREADS}. */
  threads?: number;
  /** Emulated extra latency per forward pass, ms. Default 0. */
  stepDelayMs?: number;
}

/** Tokens per decode: a whole cached-prompt verification (draft + a few) always fits in one. */
export const DEFAULT_VERIFIER_BATCH_SIZE = 512;

interface Waiter {
  tokens: readonly Token[];
  resolve(slot: VerifierSlot): void;
  reject(reason: unknown): void;
}

/**
 * The slots (sequences of one llama context) that requests run on, one request per slot at a
 * time. A request gets the free slot whose cache shares the longest prefix with its tokens
 * (least recently used on ties); when all are busy it queues, first come first served.
 */
export class VerifierSlotPool {
  private readonly free: VerifierSlot[];
  private readonly waiters: Waiter[] = [];
  private releases = 0;
  private closed = false;

  private constructor(
    private readonly context: LlamaContext,
    readonly slots: readonly VerifierSlot[],
  ) {
    this.free = [...slots];
  }

  static async create(model: LlamaModel, options: VerifierSlotPoolOptions): Promise<VerifierSlotPool> {
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: options.slots,
      batchSize: options.batchSize ?? DEFAULT_VERIFIER_BATCH_SIZE,
      threads: options.threads ?? DEFAULT_THREADS,
    });
    const slots = Array.from({ length: options.slots }, (_, index) => new VerifierSlot(index, context.getSequence(), options.stepDelayMs));
    return new VerifierSlotPool(context, slots);
  }

  /** Tokens one slot holds. */
  get contextSize(): number {
    return this.slots[0].contextSize;
  }

  get queued(): number {
    return this.waiters.length;
  }

  get busy(): number {
    return this.slots.length - this.free.length;
  }

  /** A slot for exclusive use until {@link release}; rejects with the signal's reason when aborted while queued. */
  acquire(tokens: readonly Token[], signal?: AbortSignal): Promise<VerifierSlot> {
    if (this.closed) return Promise.reject(new SlotPoolClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free.length > 0) return Promise.resolve(this.take(tokens));
    return new Promise<VerifierSlot>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        tokens,
        resolve: (slot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        reject: (reason) => {
          signal?.removeEventListener("abort", onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(slot: VerifierSlot): void {
    slot.lastReleasedAt = ++this.releases;
    this.free.push(slot);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(this.take(waiter.tokens));
  }

  private take(tokens: readonly Token[]): VerifierSlot {
    let best = 0;
    let bestPrefix = -1;
    this.free.forEach((slot, i) => {
      const prefix = slot.commonPrefixLength(tokens);
      if (prefix > bestPrefix || (prefix === bestPrefix && slot.lastReleasedAt < this.free[best].lastReleasedAt)) {
        best = i;
        bestPrefix = prefix;
      }
    });
    const [slot] = this.free.splice(best, 1);
    return slot;
  }

  /** Refuses new and queued requests; callers release the slots they hold before disposing. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SlotPoolClosedError());
  }

  async dispose(): Promise<void> {
    this.close();
    await this.context.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
