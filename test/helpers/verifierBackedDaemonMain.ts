/**
 * A daemon whose engine is {@link VerifierBackedCompletionSource}: completions really go to the
 * configured verifier over HTTP (no retries, a short timeout), and the drafter-only fallback is
 * prompt lookup. The circuit breaker's cool-down is shortened; profiling replays the synthetic profile. Run with `node --import tsx`, `--stdio`.
 * Environment: VERIFIER_TIMEOUT_MS, CIRCUIT_COOL_DOWN_MS, VERIFIER_CHECK_AT_BUILD=1 (building calls the verifier).
 */
import { configurationChartList } from "../../server/charts/configurationCharts.js";
import { startDaemon } from "../../server/daemon/startDaemon.js";
import { syntheticProfileInput } from "./syntheticProfile.js";
import { VerifierBackedCompletionSource } from "./verifierBackedCompletionSource.js";

const timeoutMs = Number(process.env.VERIFIER_TIMEOUT_MS ?? "500");
const coolDownMs = Number(process.env.CIRCUIT_COOL_DOWN_MS ?? "500");
const checkAtBuild = process.env.VERIFIER_CHECK_AT_BUILD === "1";

startDaemon({
  loadEngine: async (options) => {
    const engine = new VerifierBackedCompletionSource(options, { timeoutMs, maxRetries: 0 });
    // Like the real engine (it compares tokenizers through the verifier), building needs the verifier.
    if (checkAtBuild) await engine.checkVerifier();
    return engine;
  },
  circuitBreaker: { failureThreshold: 3, coolDownMs, maxCoolDownMs: coolDownMs * 4 },
  renderProfileCharts: configurationChartList,
  // The shared synthetic profile: what the daemon writes to the profile file is under test, not the measuring.
  profileMachine: async ({ verifier }) => syntheticProfileInput({ rttMs: 40, draftSpeedup: 8, verifier: { baseUrl: verifier.baseUrl, model: verifier.model || "synthetic-verifier" } }),
});
