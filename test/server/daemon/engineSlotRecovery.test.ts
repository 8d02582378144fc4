// When the verifier comes back, a build that failed on it must be retried at once: the slot's
// back-off would otherwise fail the next completions and re-open the verifier's circuit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineSlot } from "../../../server/daemon/engineSlot.js";
import type { CompletionSource } from "../../../server/completionContract.js";

const engine: CompletionSource = {
  complete: async () => assert.fail("not called"),
  dispose: async () => {},
};

describe("EngineSlot.forgetFailedBuild", () => {
  it("retries a failed build at the next run, and leaves a good engine alone", async () => {
    let builds = 0;
    const slot = new EngineSlot({
      buildRetryMs: 60_000,
      build: async () => {
        builds += 1;
        if (builds === 1) throw new Error("verifier unavailable");
        return engine;
      },
    });
    const signal = new AbortController().signal;
    await assert.rejects(slot.run(signal, async () => 1), /verifier unavailable/);
    await assert.rejects(slot.run(signal, async () => 1), /verifier unavailable/, "backing off");
    assert.equal(builds, 1);
    slot.forgetFailedBuild();
    assert.equal(await slot.run(signal, async (built) => built === engine), true);
    assert.equal(builds, 2);
    slot.forgetFailedBuild();
    assert.equal(await slot.run(signal, async (built) => built === engine), true);
    assert.equal(builds, 2, "a built engine is kept");
  });
});
