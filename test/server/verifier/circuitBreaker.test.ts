// The breaker's own rules, with a scripted probe and short real timers (the HTTP side is in
// verifierFaultTable.test.ts and the daemon side in test/server/daemon/verifierCircuit.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CircuitBreaker, isVerifierUnavailable, type CircuitState } from "../../../server/verifier/circuitBreaker.js";
import { VerifierAuthError } from "../../../server/verifier/verifierAuthError.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { VerifierTimeoutError } from "../../../server/verifier/verifierTimeoutError.js";
import { VerifierUnavailableError } from "../../../server/verifier/verifierUnavailableError.js";

const unavailable = () => new VerifierUnavailableError("http://v/v1", "ECONNREFUSED", { attempts: 1 });

describe("CircuitBreaker", () => {
  it("counts only unavailability, found through wrapping causes too", () => {
    assert.equal(isVerifierUnavailable(unavailable()), true);
    assert.equal(isVerifierUnavailable(new VerifierTimeoutError("http://v/v1", 100, 1)), true);
    assert.equal(isVerifierUnavailable(new Error("engine failed", { cause: unavailable() })), true);
    assert.equal(isVerifierUnavailable(new VerifierAuthError("http://v/v1", 401, true)), false);
    assert.equal(isVerifierUnavailable(new VerifierResponseError("garbage")), false);
    assert.equal(isVerifierUnavailable("ECONNREFUSED"), false);
  });

  it("needs consecutive failures: a success in between starts the count again", () => {
    const breaker = new CircuitBreaker({ probe: async () => true, failureThreshold: 3 });
    breaker.recordFailure(unavailable());
    breaker.recordFailure(unavailable());
    breaker.recordSuccess();
    breaker.recordFailure(unavailable());
    breaker.recordFailure(unavailable());
    assert.equal(breaker.closed, true);
    assert.equal(breaker.recordFailure(unavailable()), true, "the third in a row opens it");
    assert.equal(breaker.closed, false);
    assert.equal(breaker.recordFailure(unavailable()), false, "already open");
    breaker.dispose();
  });

  it("doubles the cool-down after each failed or throwing probe, up to the cap", async () => {
    // Each opening schedules its probe at `probeAt`: its distance from now is the cool-down.
    const coolDowns: number[] = [];
    let calls = 0;
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      coolDownMs: 20,
      maxCoolDownMs: 50,
      now: () => 1_000_000,
      onStateChange: (state) => {
        if (state.state === "open" && !state.probing) coolDowns.push(state.probeAt - 1_000_000);
      },
      probe: async () => {
        calls++;
        if (calls === 2) throw new Error("probe exploded");
        return false;
      },
    });
    breaker.recordFailure(unavailable());
    for (let i = 0; i < 100 && coolDowns.length < 5; i++) await delay(10);
    breaker.dispose();
    assert.deepEqual(coolDowns.slice(0, 5), [20, 40, 50, 50, 50]);
    const state = breaker.state;
    assert.equal(state.state, "open");
    if (state.state === "open") assert.match(state.reason, /health probe failed/);
  });

  it("closes on a healthy probe and tells, and reset or dispose stop a pending probe", async () => {
    const transitions: CircuitState["state"][] = [];
    let probes = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 30, probe: async () => ++probes > 0, onStateChange: (s) => transitions.push(s.state) });
    breaker.recordFailure(unavailable());
    for (let i = 0; i < 200 && !breaker.closed; i++) await delay(10);
    assert.equal(breaker.closed, true);
    assert.deepEqual(transitions, ["open", "open", "closed"], "opened, probing, closed");

    breaker.recordFailure(unavailable());
    breaker.reset();
    breaker.recordFailure(unavailable());
    breaker.dispose();
    const before = probes;
    await delay(80);
    assert.equal(probes, before, "no probe after dispose");
    assert.equal(breaker.recordFailure(unavailable()), false, "a disposed breaker counts nothing");
  });
});
