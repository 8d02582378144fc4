/**
 * A daemon whose engine is {@link VerifierBackedCompletionSource}: completions really go to the
 * configured verifier over HTTP (no retries, a short timeout), and the drafter-only fallback is
 * prompt lookup. The circuit breaker's cool-down is shortened. Run with `node --import tsx`, `--stdio`.
 * Environment: VERIFIER_TIMEOUT_MS, CIRCUIT_COOL_DOWN_MS.
 */
import { startDaemon } from "../../server/daemon/startDaemon.js";
import { VerifierBackedCompletionSource } from "./verifierBackedCompletionSource.js";

const timeoutMs = Number(process.env.VERIFIER_TIMEOUT_MS ?? "500");
const coolDownMs = Number(process.env.CIRCUIT_COOL_DOWN_MS ?? "500");

startDaemon({
  createEngine: async (options) => new VerifierBackedCompletionSource(options, { timeoutMs, maxRetries: 0 }),
  circuitBreaker: { failureThreshold: 3, coolDownMs, maxCoolDownMs: coolDownMs * 4 },
  profileMachine: async () => {
    throw new Error("this test daemon does not profile");
  },
});
