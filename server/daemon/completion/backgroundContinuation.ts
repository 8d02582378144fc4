import type { CompletionOutput } from "../../completionContract.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessageOf } from "../../util/errorMessage.js";
import type { CompletionCache } from "../cache/completionCache.js";
import type { DaemonLogger } from "../daemonLogger.js";
import type { EngineSlot } from "../engineSlot.js";
import { SupersededError } from "../errors/supersededError.js";
import { cursorContextOf, postprocessCompletion, stopRulePredicate, type CursorContext } from "../../postprocess/stopRules.js";
import type { CompletionLedger } from "../stats/completionLedger.js";
import type { CompletionContext } from "./completionContext.js";

/** A suggestion just shown, and what is needed to go on from it. */
export interface ShownSuggestion {
  documentKey: string;
  languageId: string;
  context: CompletionContext;
  cursor: CursorContext;
  /** The engine's text that was shown (before post-processing). */
  engineText: string;
  /** What the user sees. */
  shownText: string;
  /** Generation was cut after the first line to show it early; the block may go on. */
  cutAtFirstLine: boolean;
  /** Tokens the completion may still use (maxTokens minus those shown). */
  tokensLeft: number;
  maxTokens: number;
}

export interface BackgroundContinuationOptions {
  slot: EngineSlot;
  cache: CompletionCache;
  ledger: CompletionLedger;
  log: DaemonLogger;
}

/**
 * The work after a suggestion is on screen, into the type-through cache, while the user reads:
 * first the rest of its block (only its first line was waited for), then the suggestion that
 * follows it if it is accepted (llama.vscode prefetches the next FIM; this one is verified).
 * Both are the verifier's greedy output for the text they continue, so a hit is exactly what a
 * fresh request would have computed. A request that needs the engine cancels it.
 */
export class BackgroundContinuation {
  readonly #options: BackgroundContinuationOptions;
  #controller: AbortController | undefined;

  constructor(options: BackgroundContinuationOptions) {
    this.#options = options;
  }

  /** Stops the running continuation (a request needs the engine, or the document closed). */
  cancel(): void {
    this.#controller?.abort(new SupersededError());
    this.#controller = undefined;
  }

  start(shown: ShownSuggestion): void {
    this.cancel();
    const controller = new AbortController();
    this.#controller = controller;
    void this.#run(shown, controller.signal).finally(() => {
      if (this.#controller === controller) this.#controller = undefined;
      // Said once per run, however it ended: tests wait for it before changing the verifier.
      this.#options.log.debug("background continuation finished");
    });
  }

  async #run(shown: ShownSuggestion, signal: AbortSignal): Promise<void> {
    const { cache, log } = this.#options;
    const { context } = shown;
    try {
      let suggestion = shown.shownText;
      if (shown.cutAtFirstLine && shown.tokensLeft > 0) {
        const rest = await this.#complete(shown, context.prefix + shown.engineText, shown.tokensLeft, (text) => stopRulePredicate(shown.cursor)(shown.engineText + text), signal);
        if (!rest) return;
        const block = postprocessCompletion(shown.engineText + rest.text, shown.cursor).text;
        if (block.length > suggestion.length && block.startsWith(suggestion)) {
          cache.store(context.documentPrefix, context.documentSuffix, block);
          suggestion = block;
          log.debug(`background: the rest of the block is ready (${block.length} chars)`);
        }
      }
      // What follows the suggestion once accepted: the cursor moves to its end.
      const prefix = context.prefix + suggestion;
      const cursor = cursorContextOf(prefix, context.suffix);
      const next = await this.#complete(shown, prefix, shown.maxTokens, stopRulePredicate(cursor), signal, context.suffix);
      if (!next) return;
      const text = postprocessCompletion(next.text, cursor).text;
      if (text === "") return;
      cache.store(context.documentPrefix + suggestion, context.documentSuffix, text);
      log.debug(`background: the suggestion after it is ready (${text.length} chars)`);
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      log.debug(`background continuation stopped: ${errorMessageOf(error)}`);
    }
  }

  /** One background engine run; undefined when it was aborted or produced nothing verified. */
  async #complete(
    shown: ShownSuggestion,
    prefix: string,
    maxTokens: number,
    shouldStop: (text: string) => boolean,
    signal: AbortSignal,
    suffix = shown.context.suffix,
  ): Promise<CompletionOutput | undefined> {
    const { slot, ledger } = this.#options;
    const output = await slot.run(signal, (engine) => {
      signal.throwIfAborted();
      ledger.count("backgroundRuns");
      return engine.complete({ prefix, suffix, languageId: shown.languageId, documentKey: shown.documentKey, maxTokens, signal, shouldStop });
    });
    if (output.configuration.verified) ledger.count("verifierCalls", output.stats.rounds);
    if (output.stopReason === "aborted" || signal.aborted) {
      if (output.configuration.verified) ledger.count("wastedVerifierCalls", output.stats.rounds);
      return undefined;
    }
    return output.configuration.verified && output.text.trim() !== "" ? output : undefined;
  }
}
