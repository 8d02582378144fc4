import type { WarmupOutcome } from "../../completionContract.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessageOf } from "../../util/errorMessage.js";
import type { DaemonLogger } from "../daemonLogger.js";
import type { EngineSlot } from "../engineSlot.js";
import type { CompletionAccounting } from "../stats/completionAccounting.js";
import type { CompletionLedger } from "../stats/completionLedger.js";
import type { WarmupPlan } from "./warmupPolicy.js";

export interface CacheWarmerOptions {
  slot: EngineSlot;
  ledger: CompletionLedger;
  accounting: () => CompletionAccounting;
  log: DaemonLogger;
}

/** A position whose prompt should be warm by the next pause. */
export interface WarmupRequest {
  documentKey: string;
  languageId: string;
  prefix: string;
  suffix: string;
  maxTokens: number;
  plan: WarmupPlan;
}

/**
 * Warms the caches while the person types, so a pause pays only for the keystrokes since the
 * last warm-up instead of re-prefilling the whole prompt: after each edit that reaches the
 * engine's debounce, the newest position's prompt goes into the drafter's KV and (per the
 * {@link WarmupPlan}) the verifier's prefix cache. One warm-up at a time, newest wins: edits
 * while one runs replace the pending one, so warm-ups never queue up in front of a completion.
 */
export class CacheWarmer {
  readonly #options: CacheWarmerOptions;
  readonly #lifetime = new AbortController();
  #pending: WarmupRequest | undefined;
  #running: Promise<void> | undefined;

  constructor(options: CacheWarmerOptions) {
    this.#options = options;
  }

  /** Warms `request`'s prompt next (replacing one not yet started). */
  schedule(request: WarmupRequest): void {
    if (this.#lifetime.signal.aborted || (!request.plan.drafter && !request.plan.verifier)) return;
    this.#pending = request;
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /** A completion is about to run: a warm-up not yet started is moot (the completion prefills its own prompt). */
  dropPending(): void {
    this.#pending = undefined;
  }

  /** Resolves once no warm-up runs or waits (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  dispose(): void {
    this.#pending = undefined;
    this.#lifetime.abort();
  }

  async #drain(): Promise<void> {
    for (let request = this.#pending; request && !this.#lifetime.signal.aborted; request = this.#pending) {
      this.#pending = undefined;
      await this.#warm(request);
    }
  }

  async #warm(request: WarmupRequest): Promise<void> {
    const { slot, ledger, log } = this.#options;
    const signal = this.#lifetime.signal;
    let outcome: WarmupOutcome | undefined;
    try {
      outcome = await slot.run(signal, async (engine) =>
        engine.warm?.({
          documentKey: request.documentKey,
          prefix: request.prefix,
          suffix: request.suffix,
          languageId: request.languageId,
          maxTokens: request.maxTokens,
          verifier: request.plan.verifier,
          signal,
        }),
      );
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      ledger.warmups.failed += 1;
      log.debug(`warm-up failed: ${errorMessageOf(error)}`);
      return;
    }
    if (!outcome) return;
    ledger.bookWarmup(outcome, this.#options.accounting());
    const call = outcome.verifier;
    log.debug(
      `warm-up: drafter +${outcome.drafterTokens} tokens` +
        (call ? `, verifier ${call.usage.promptTokens} prompt tokens (${call.usage.cachedTokens} cached) in ${call.latencyMs.toFixed(0)} ms` : "") +
        `, ${outcome.totalMs.toFixed(0)} ms`,
    );
  }
}
