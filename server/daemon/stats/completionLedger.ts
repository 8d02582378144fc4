import type { CompletionOutput, WarmupOutcome } from "../../completionContract.js";
import type { CompletionCounters, CompletionTotals, LastCompletionStats, WarmupStats } from "../../lspContract.js";
import type { CompletionAccounting } from "./completionAccounting.js";

export type CompletionCounter = keyof CompletionCounters;

/** Counts where completion requests ended and books what served ones cost, for `configspec/stats`. */
export class CompletionLedger {
  readonly counters: CompletionCounters = {
    requests: 0,
    engineRuns: 0,
    cacheHits: 0,
    cancelled: 0,
    superseded: 0,
    served: 0,
    empty: 0,
    errors: 0,
    verifierCalls: 0,
    wastedVerifierCalls: 0,
    backgroundRuns: 0,
  };
  readonly totals: CompletionTotals = {
    completions: 0,
    tokens: 0,
    costUsd: 0,
    energyJ: 0,
    latencyMs: 0,
    verifierOnlyCostUsd: 0,
    verifierOnlyEnergyJ: 0,
    verifierOnlyLatencyMs: 0,
    savedUsd: 0,
    savedJ: 0,
    savedMs: 0,
  };
  readonly warmups: WarmupStats = { warmups: 0, failed: 0, drafterTokens: 0, verifierCalls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, costUsd: 0 };
  last: LastCompletionStats | null = null;

  count(counter: CompletionCounter, by = 1): void {
    this.counters[counter] += by;
  }

  /**
   * Books a warm-up: its tokens, and its verifier request's cost in the totals (a billed
   * endpoint bills it like any request), so what speculation saved is net of warming.
   */
  bookWarmup(outcome: WarmupOutcome, accounting: CompletionAccounting): void {
    const w = this.warmups;
    w.warmups += 1;
    w.drafterTokens += outcome.drafterTokens;
    const call = outcome.verifier;
    if (!call) return;
    w.verifierCalls += 1;
    w.promptTokens += call.usage.promptTokens;
    w.cachedTokens += call.usage.cachedTokens;
    w.completionTokens += call.usage.completionTokens;
    const verifyMs = call.latencyMs - call.networkMs;
    const { costUsd } = accounting.actual({
      tokens: 0,
      rounds: 1,
      drafted: 0,
      accepted: 0,
      timings: { draftMs: 0, verifyMs, networkMs: call.networkMs, totalMs: call.latencyMs },
      usage: call.usage,
    });
    w.costUsd += costUsd;
    this.totals.costUsd += costUsd;
    this.totals.savedUsd = this.totals.verifierOnlyCostUsd - this.totals.costUsd;
  }

  /** Books a completion the engine produced (whether or not post-processing left text). */
  book(output: CompletionOutput, accounting: CompletionAccounting): LastCompletionStats {
    const { stats } = output;
    const actual = accounting.actual(stats);
    const baseline = accounting.verifierOnly(stats);
    const t = this.totals;
    t.completions += 1;
    t.tokens += stats.tokens;
    t.costUsd += actual.costUsd;
    t.energyJ += actual.energyJ;
    t.latencyMs += actual.latencyMs;
    t.verifierOnlyCostUsd += baseline.costUsd;
    t.verifierOnlyEnergyJ += baseline.energyJ;
    t.verifierOnlyLatencyMs += baseline.latencyMs;
    t.savedUsd = t.verifierOnlyCostUsd - t.costUsd;
    t.savedJ = t.verifierOnlyEnergyJ - t.energyJ;
    t.savedMs = t.verifierOnlyLatencyMs - t.latencyMs;
    this.last = {
      latencyMs: actual.latencyMs,
      tokens: stats.tokens,
      rounds: stats.rounds,
      tokensPerRound: stats.rounds > 0 ? stats.tokens / stats.rounds : 0,
      acceptance: stats.drafted > 0 ? Math.min(1, stats.accepted / stats.drafted) : null,
      costUsd: actual.costUsd,
      energyJ: actual.energyJ,
      stopReason: output.stopReason,
      served: { drafterId: output.configuration.drafterId ?? null, k: output.configuration.k, verified: output.configuration.verified },
    };
    return this.last;
  }
}
