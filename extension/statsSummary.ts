/**
 * One line about `configspec/stats` for the "Show Completion Stats" notification: what served
 * the last completion and what the session's completions cost and saved. Pure, so it is
 * tested without `vscode`.
 */
import type { StatsResult } from "../server/lspContract.js";

export function summarizeStats(stats: StatsResult): string {
  const { last, totals, counters } = stats;
  const lastLine =
    last === null
      ? "No completion served yet."
      : `Last completion: ${last.served.drafterId === null ? "verifier-only" : `${last.served.drafterId} K=${last.served.k}`}` +
        `${last.served.verified ? "" : " (unverified)"}, ${last.tokens} tokens in ${last.rounds} rounds, ${Math.round(last.latencyMs)} ms` +
        `${last.acceptance === null ? "" : `, acceptance ${last.acceptance.toFixed(2)}`}.`;
  const session = `Session: ${totals.completions} completions, ${Math.round(totals.savedMs)} ms saved vs verifier-only.`;
  const requests =
    `Requests: ${counters.requests} (served ${counters.served}, cache hits ${counters.cacheHits}, cancelled ${counters.cancelled}, ` +
    `superseded ${counters.superseded}, empty ${counters.empty}, errors ${counters.errors}).`;
  const w = stats.warmups;
  const warmups =
    w && w.warmups > 0
      ? ` Warm-ups while typing: ${w.warmups} (${w.verifierCalls} to the verifier, ${w.promptTokens} prompt tokens, ${w.cachedTokens} cached${w.costUsd > 0 ? `, $${w.costUsd.toFixed(4)}` : ""}).`
      : "";
  return `ConfigSpec: ${lastLine} ${session} ${requests}${warmups}`;
}
