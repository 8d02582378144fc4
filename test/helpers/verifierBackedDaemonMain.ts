/**
 * A daemon whose engine is {@link VerifierBackedCompletionSource}: completions really go to the
 * configured verifier over HTTP (no retries, a short timeout), and the drafter-only fallback is
 * prompt lookup. The circuit breaker's cool-down is shortened; profiling replays the synthetic profile. Run with `node --import tsx`, `--stdio`.
 * Environment: VERIFIER_TIMEOUT_MS, CIRCUIT_COOL_DOWN_MS.
 */
import { configurationChartList } from "../../server/charts/configurationCharts.js";
import { startDaemon } from "../../server/daemon/startDaemon.js";
import { syntheticProfileInput } from "../server/model/syntheticProfile.js";
import { VerifierBackedCompletionSource } from "./verifierBackedCompletionSource.js";

const timeoutMs = Number(process.env.VERIFIER_TIMEOUT_MS ?? "500");
const coolDownMs = Number(process.env.CIRCUIT_COOL_DOWN_MS ?? "500");

startDaemon({
  createEngine: async (options) => new VerifierBackedCompletionSource(options, { timeoutMs, maxRetries: 0 }),
  circuitBreaker: { failureThreshold: 3, coolDownMs, maxCoolDownMs: coolDownMs * 4 },
  renderProfileCharts: configurationChartList,
  // The shared synthetic profile: what the daemon writes to the profile file is under test, not the measuring.
  profileMachine: async () => syntheticProfileInput({ rttMs: 40, draftSpeedup: 5 }),
});
