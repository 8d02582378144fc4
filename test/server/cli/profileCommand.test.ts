// The emulation a profile was measured under travels in its validity key, so `validate` can
// re-create it: a profile measured against a slowed or distant verifier is checked against the same.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emulationOf, emulationText } from "../../../server/cli/profileCommand.js";

describe("emulationOf", () => {
  it("reads the emulated step and round trip back from a verifier identity", () => {
    assert.deepEqual(emulationOf("embedded:target@abc#step-ms=25#emulated-rtt=100±5"), { stepDelayMs: 25, networkDelay: { rttMs: 100, jitterMs: 5 } });
    assert.deepEqual(emulationOf("embedded:target@abc"), { stepDelayMs: 0, networkDelay: undefined });
    assert.deepEqual(emulationOf("https://api.example.com/v1#emulated-rtt=40±0"), { stepDelayMs: 0, networkDelay: { rttMs: 40, jitterMs: 0 } });
  });

  it("labels what was emulated, and nothing when nothing was", () => {
    assert.equal(emulationText(0, undefined), "");
    assert.equal(emulationText(25, { rttMs: 100, jitterMs: 0 }), "; EMULATED: a larger verifier, +25 ms per forward pass, network RTT +100 ms");
  });
});
