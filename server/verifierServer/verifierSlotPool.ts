import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../llama/sharedLlama.js";
import { SlotPoolClosedError } from "./slotPoolClosedError.js";
import { checkBlockLevels, DEFAULT_VERIFIER_BLOCK_LEVELS } from "./canonicalBlocks.js";
import { VerifierSlot } from "./verifierSlot.js";

export interface VerifierSlotPoolOptions {
  /** Requests evaluated concurrently, each on its own context. */
  slots: number;
  /** Tokens each slot holds (prompt + completion). */
  contextSize: number;
  /** Sizes of the canonical decodes, smallest first, each dividing the next. Default {@link DEFAULT_VERIFIER_BLOCK_LEVELS}. */
  blockLevels?: readonly number[];
  /** Default {@link DEFAULT_THREADS}. */
  threads?: number;
  /** Emulated extra latency per forward pass, ms. Default 0. */
  stepDelayMs?: number;
}

interface Waiter {
  tokens: readonly Token[];
  resolve(slot: VerifierSlot): void;
  reject(reason: unknown): void;
}

/**
 * The slots that requests run on, one request per slot at a time. Each slot is the one sequence
 * of its own llama context: sequences of a shared context are decoded together and interleave
 * their KV cells, which changes the numbers (and a near-tie's argmax) with the load. Separate
 * contexts still decode in parallel, each on its own thread. A request gets the free slot whose cache shares the longest prefix with its tokens
 * (least recently used on ties); when all are busy it queues, first come first served.
 */
export class VerifierSlotPool {
  private readonly free: VerifierSlot[];
  private readonly waiters: Waiter[] = [];
  private releases = 0;
  private closed = false;

  private constructor(
    private readonly contexts: readonly LlamaContext[],
    readonly slots: readonly VerifierSlot[],
  ) {
    this.free = [...slots];
  }

  static async create(model: LlamaModel, options: VerifierSlotPoolOptions): Promise<VerifierSlotPool> {
    const blockLevels = checkBlockLevels(options.blockLevels ?? DEFAULT_VERIFIER_BLOCK_LEVELS);
    const smallest = blockLevels[0];
    const contexts: LlamaContext[] = [];
    try {
      for (let i = 0; i < options.slots; i++) {
        // Room for the last block's padding, always of the smallest size (node-llama-cpp keeps one cell
        // free, so one block more); requests are still held to options.contextSize.
        const contextSize = (Math.ceil(options.contextSize / smallest) + 1) * smallest;
        // The batch holds the largest block that fits, so every canonical block is one decode (one ubatch).
        const batchSize = Math.min(blockLevels.at(-1)!, contextSize);
        contexts.push(await model.createContext({ contextSize, sequences: 1, batchSize, threads: options.threads ?? DEFAULT_THREADS }));
      }
    } catch (error) {
      await Promise.all(contexts.map((context) => context.dispose()));
      throw error;
    }
    const slots = contexts.map((context, index) => new VerifierSlot(index, context.getSequence(), options.contextSize, options.stepDelayMs, blockLevels));
    return new VerifierSlotPool(contexts, slots);
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
    await Promise.all(this.contexts.map((context) => context.dispose()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
