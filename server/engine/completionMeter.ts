import type { CompletionStats, CompletionUsage, RoundRecord } from "../completionContract.js";
import type { VerifierCallStats } from "../verifier/verifierCalls.js";

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Accumulates the time, usage and rounds of one completion into {@link CompletionStats}. */
export class CompletionMeter {
  readonly #started = performance.now();
  readonly #rounds: RoundRecord[] = [];
  readonly #usage: CompletionUsage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
  #draftMs = 0;
  #verifyMs = 0;
  #networkMs = 0;

  /** Drafting time outside a verified round (drafter-only mode). */
  addDraftMs(tokenMs: readonly number[]): number {
    const ms = sum(tokenMs);
    this.#draftMs += ms;
    return ms;
  }

  /** A verifier call's time and billed tokens. */
  addVerifierCall(stats: VerifierCallStats): { verifyMs: number; networkMs: number } {
    const verifyMs = stats.latencyMs - stats.networkMs;
    this.#verifyMs += verifyMs;
    this.#networkMs += stats.networkMs;
    this.#usage.promptTokens += stats.usage.promptTokens;
    this.#usage.cachedTokens += stats.usage.cachedTokens;
    this.#usage.completionTokens += stats.usage.completionTokens;
    return { verifyMs, networkMs: stats.networkMs };
  }

  /** A whole round: drafting time, the verification call, and what was kept. */
  addRound(draftTokenMs: readonly number[], drafted: number, accepted: number, call: VerifierCallStats): void {
    const draftMs = this.addDraftMs(draftTokenMs);
    const { verifyMs, networkMs } = this.addVerifierCall(call);
    this.#rounds.push({ drafted, accepted, draftMs, verifyMs, networkMs });
  }

  /** Stats for a completion that produced `tokens` verified (or, drafter-only, drafted) tokens. */
  stats(tokens: number, extraRounds = 0): CompletionStats {
    return {
      tokens,
      rounds: this.#rounds.length + extraRounds,
      drafted: sum(this.#rounds.map((round) => round.drafted)),
      accepted: sum(this.#rounds.map((round) => round.accepted)),
      timings: {
        draftMs: this.#draftMs,
        verifyMs: this.#verifyMs,
        networkMs: this.#networkMs,
        totalMs: performance.now() - this.#started,
      },
      usage: { ...this.#usage },
      perRound: [...this.#rounds],
    };
  }
}
