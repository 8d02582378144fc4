/**
 * A daemon whose engine is {@link PromptLookupCompletionSource} and whose profiler replays the
 * shared synthetic profile (test/helpers/syntheticProfile.ts) in a few cancellable steps,
 * with the real chart renderer (server/charts, which the CJS bundle cannot hold yet):
 * for tests of the completion path and the profile request that must not load models or
 * measure anything. Run with `node --import tsx`, `--stdio`.
 * Environment: PROMPT_LOOKUP_ROUND_MS (per-round delay), PROFILE_STEP_MS (per profiling step),
 * FAKE_POWER_FILE (a FAKE power source: the file says "battery" or "mains", read every 50 ms —
 * unplugging cannot be caused from a test).
 */
import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { configurationChartList } from "../../server/charts/configurationCharts.js";
import { startDaemon } from "../../server/daemon/startDaemon.js";
import { syntheticProfileInput } from "./syntheticProfile.js";
import { PromptLookupCompletionSource } from "./promptLookupCompletionSource.js";

const roundMs = Number(process.env.PROMPT_LOOKUP_ROUND_MS ?? "20");
const profileStepMs = Number(process.env.PROFILE_STEP_MS ?? "20");
const PROFILE_STEPS = 4;
const fakePowerFile = process.env.FAKE_POWER_FILE;
const fakePower = fakePowerFile
  ? { readOnBattery: async () => (await readFile(fakePowerFile, "utf8")).trim() === "battery", powerPollMs: 50 }
  : {};

startDaemon({
  ...fakePower,
  loadEngine: async (options) => new PromptLookupCompletionSource({ k: options.k || undefined, roundMs }),
  renderProfileCharts: configurationChartList,
  profileMachine: async ({ signal, onProgress, drafters, verifier }) => {
    for (let step = 0; step < PROFILE_STEPS; step++) {
      onProgress({ message: `step ${step + 1} of ${PROFILE_STEPS} (${drafters.length} drafters)`, percentage: (100 * step) / PROFILE_STEPS });
      await delay(profileStepMs, undefined, { signal });
    }
    // A fast drafter on a 40 ms link: latency picks a speculative configuration, cost picks verifier-only.
    // Measured, as a real run is, against the verifier it was asked to profile.
    return syntheticProfileInput({ rttMs: 40, draftSpeedup: 8, verifier: { baseUrl: verifier.baseUrl, model: verifier.model || "synthetic-verifier" } });
  },
});
