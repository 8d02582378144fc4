import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import { EngineSlot } from "../../../server/daemon/engineSlot.js";
import type { CompletionInput, CompletionOutput, CompletionSource } from "../../../server/completionContract.js";

/** A CompletionSource that records overlap and disposal (the slot is what is under test). */
class RecordingSource implements CompletionSource {
  running = 0;
  maxRunning = 0;
  disposed = false;
  async complete(input: CompletionInput): Promise<CompletionOutput> {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await delay(20, undefined, { signal: input.signal }).catch(() => {});
      return {
        text: "x",
        stopReason: input.signal.aborted ? "aborted" : "eos",
        stats: { tokens: 1, rounds: 1, drafted: 0, accepted: 0, timings: { draftMs: 0, verifyMs: 0, networkMs: 0, totalMs: 0 }, usage: { promptTokens: 0, cachedTokens: 0, completionTokens: 1 } },
        configuration: { drafterId: undefined, k: 0, verified: true },
      };
    } finally {
      this.running -= 1;
    }
  }
  async dispose(): Promise<void> {
    assert.equal(this.running, 0, "disposed while in use");
    this.disposed = true;
  }
}

const input = (signal: AbortSignal): CompletionInput => ({ prefix: "", suffix: "", languageId: "ts", maxTokens: 4, signal });

describe("EngineSlot", () => {
  it("builds lazily, once, and runs one completion at a time", async () => {
    const built: RecordingSource[] = [];
    const slot = new EngineSlot({ build: async () => built[built.push(new RecordingSource()) - 1]! });
    assert.equal(built.length, 0);
    const signal = new AbortController().signal;
    await Promise.all([1, 2, 3].map(() => slot.run(signal, (engine) => engine.complete(input(signal)))));
    assert.equal(built.length, 1);
    assert.equal(built[0]!.maxRunning, 1);
  });

  it("disposes an invalidated engine only after its current user is done, then rebuilds", async () => {
    const built: RecordingSource[] = [];
    const slot = new EngineSlot({ build: async () => built[built.push(new RecordingSource()) - 1]! });
    const signal = new AbortController().signal;
    const running = slot.run(signal, (engine) => engine.complete(input(signal)));
    await delay(5);
    const invalidated = slot.invalidate();
    await running;
    await invalidated;
    assert.equal(built[0]!.disposed, true);
    await slot.run(signal, (engine) => engine.complete(input(signal)));
    assert.equal(built.length, 2);
    await slot.dispose();
    assert.equal(built[1]!.disposed, true);
  });

  it("lets a waiting request leave the queue when aborted, without breaking the order", async () => {
    const slot = new EngineSlot({ build: async () => new RecordingSource() });
    const long = new AbortController();
    const first = slot.run(long.signal, (engine) => engine.complete(input(long.signal)));
    const waiting = new AbortController();
    const second = slot.run(waiting.signal, (engine) => engine.complete(input(waiting.signal)));
    waiting.abort();
    await assert.rejects(second, { name: "AbortError" });
    await first;
  });

  it("fails fast after a failed build, and retries after invalidate", async () => {
    let builds = 0;
    const slot = new EngineSlot({
      build: async () => {
        builds += 1;
        if (builds === 1) throw new Error("no model");
        return new RecordingSource();
      },
    });
    const signal = new AbortController().signal;
    await assert.rejects(slot.run(signal, async () => 1), /no model/);
    await assert.rejects(slot.run(signal, async () => 1), /no model/);
    assert.equal(builds, 1);
    await slot.invalidate();
    assert.equal(await slot.run(signal, async () => 2), 2);
  });
});
