import { setTimeout as delay } from "node:timers/promises";
import type { InlineCompletionList } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { isLanguageEnabled, type DaemonSettings } from "../../config/daemonSettings.js";
import type { CompletionOutput } from "../../completionContract.js";
import { isVerifierUnavailable } from "../../verifier/circuitBreaker.js";
import type { LastCompletionStats } from "../../lspContract.js";
import { CacheWarmer } from "../cache/cacheWarmer.js";
import type { CompletionCache } from "../cache/completionCache.js";
import { warmupPlan } from "../cache/warmupPolicy.js";
import { isAbortError } from "../../util/abort.js";
import { SupersededError } from "../errors/supersededError.js";
import { type DaemonLogger } from "../daemonLogger.js";
import type { EngineSlot } from "../engineSlot.js";
import { applyStopRules, cursorContextOf, postprocessCompletion, stopRulePredicate } from "../../postprocess/stopRules.js";
import type { CompletionAccounting } from "../stats/completionAccounting.js";
import type { CompletionLedger } from "../stats/completionLedger.js";
import { completionContextOf } from "./completionContext.js";
import { INVOKED_TRIGGER_KIND, type ParsedInlineCompletionParams } from "./inlineCompletionParams.js";
import { AdaptiveDebounce, keystrokeKindOf } from "./adaptiveDebounce.js";
import { BackgroundContinuation } from "./backgroundContinuation.js";
import { NewestInlineRequest } from "./newestInlineRequest.js";
import { errorMessageOf } from "../../util/errorMessage.js";

/** Every way a request can end without a suggestion; each is logged by name. */
export type NoCompletionReason =
  | "disabled"
  | "unknownDocument"
  | "languageDisabled"
  | "cancelled"
  | "superseded"
  | "alreadyTyped"
  | "engineUnavailable"
  | "engineFailed"
  | "verifierUnavailable"
  | "unverified"
  | "emptyFromEngine"
  | "emptyAfterStopRules";

export interface InlineCompletionPipelineOptions {
  documents: { get(uri: string): TextDocument | undefined };
  settings: () => DaemonSettings;
  cache: CompletionCache;
  slot: EngineSlot;
  ledger: CompletionLedger;
  accounting: () => CompletionAccounting;
  log: DaemonLogger;
  /** A completion was served from the engine (status bar latency). */
  onServed: (stats: LastCompletionStats, output: CompletionOutput) => void;
  /** The engine could not be built (`build`) or failed mid-completion (`complete`). */
  onEngineError: (phase: "build" | "complete", error: unknown) => void;
  /** The verifier's circuit breaker: while open, the verified engine is not asked at all. */
  verifierCircuit: VerifierCircuit;
  /** The drafter-only engine used while the verifier is unavailable; undefined when no drafter is configured. */
  degradedSlot: () => EngineSlot | undefined;
}

/** What the pipeline needs of server/verifier/circuitBreaker.ts. */
export interface VerifierCircuit {
  readonly closed: boolean;
  recordSuccess(): void;
  recordFailure(error: unknown): boolean;
}

/**
 * Shorter debounces are not warmed: a pause is likely there, so the completion runs at once and
 * would only queue behind a warm-up of its own prompt (one more round trip before the line).
 */
export const MIN_WAIT_TO_WARM_MS = 50;

/** Whether the first non-blank line of generated text is complete: enough to show it. */
function firstLineComplete(text: string): boolean {
  return /\S[^\n]*\n/.test(text);
}

/**
 * The inline completion path: enablement → cache (exact or type-through) → a debounce learnt
 * from the typist, during which the prompt is warmed into the caches (configspec.warmup) → the
 * engine (newest request only, in any document, cancellation passed down as an AbortSignal, stop
 * rules and "first line done" offered as `shouldStop`) → post-processing → cache → in the
 * background, the rest of the block and the suggestion after it. Every early exit is logged
 * with a {@link NoCompletionReason}.
 */
export class InlineCompletionPipeline {
  readonly #options: InlineCompletionPipelineOptions;
  readonly #newest = new NewestInlineRequest();
  readonly #debounce = new AdaptiveDebounce();
  readonly #background: BackgroundContinuation;
  readonly #warmer: CacheWarmer;

  constructor(options: InlineCompletionPipelineOptions) {
    this.#options = options;
    this.#background = new BackgroundContinuation({ slot: options.slot, cache: options.cache, ledger: options.ledger, log: options.log });
    this.#warmer = new CacheWarmer({ slot: options.slot, ledger: options.ledger, accounting: options.accounting, log: options.log });
  }

  /** Warm-ups scheduled so far have run (tests). */
  warmupsIdle(): Promise<void> {
    return this.#warmer.idle();
  }

  /** Stops what runs in the background (the continuation, warm-ups). */
  dispose(): void {
    this.#background.cancel();
    this.#warmer.dispose();
  }

  /** The document closed: whatever runs for it is moot. */
  documentClosed(uri: string): void {
    this.#newest.abort(uri);
    this.#background.cancel();
    this.#debounce.forget(uri);
  }

  async complete(params: ParsedInlineCompletionParams, cancelSignal: AbortSignal): Promise<InlineCompletionList | null> {
    const { ledger, log } = this.#options;
    const { uri } = params.textDocument;
    const where = `${uri}:${params.position.line + 1}:${params.position.character + 1}`;
    ledger.count("requests");
    const request = this.#newest.begin(uri);
    const signal = AbortSignal.any([cancelSignal, request.signal]);
    const exit = (reason: NoCompletionReason, detail?: string): null => {
      const counter = reason === "cancelled" || reason === "superseded" ? reason : reason.startsWith("engine") || reason === "verifierUnavailable" ? "errors" : "empty";
      ledger.count(counter);
      const line = `no completion at ${where}: ${reason}${detail ? ` (${detail})` : ""}`;
      if (counter === "errors") log.warn(line);
      else log.debug(line);
      return null;
    };
    const abortedExit = () => exit(request.signal.aborted ? "superseded" : "cancelled");
    try {
      const settings = this.#options.settings();
      if (!settings.enabled) return exit("disabled");
      const document = this.#options.documents.get(uri);
      if (!document) return exit("unknownDocument");
      if (!isLanguageEnabled(settings.enable, document.languageId)) return exit("languageDisabled", document.languageId);

      const context = completionContextOf(document, params.position);
      const invoked = params.context?.triggerKind === INVOKED_TRIGGER_KIND;
      const kind = keystrokeKindOf(context.documentPrefix.slice(context.documentPrefix.lastIndexOf("\n") + 1));
      // An automatic request is a keystroke: its timing teaches the debounce.
      if (!invoked) this.#debounce.observe(uri, kind);
      const cached = this.#options.cache.lookup(context.documentPrefix, context.documentSuffix);
      if (cached) {
        if (cached.text === "") return exit("alreadyTyped");
        ledger.count("cacheHits");
        log.debug(`completion at ${where}: cache ${cached.kind} hit (${cached.text.length} chars)`);
        return this.#list(cached.text, params.position);
      }

      // The engine is needed here: what runs in the background for an older position is moot.
      this.#background.cancel();
      const waitMs = invoked ? 0 : this.#debounce.waitMs(kind, settings.debounceMs);
      if (waitMs >= MIN_WAIT_TO_WARM_MS) {
        // While the debounce decides whether this is a pause, the prompt goes into the caches:
        // if typing goes on, the next pause finds all but the last keystrokes prefilled.
        const plan = warmupPlan(settings);
        this.#warmer.schedule({
          documentKey: document.uri,
          languageId: document.languageId,
          prefix: context.prefix,
          suffix: context.suffix,
          maxTokens: settings.maxTokens,
          plan: { ...plan, verifier: plan.verifier && this.#options.verifierCircuit.closed },
        });
      }
      if (waitMs > 0) {
        try {
          await delay(waitMs, undefined, { signal });
        } catch {
          return abortedExit();
        }
      }
      if (signal.aborted) return abortedExit();
      this.#warmer.dropPending();

      const cursor = cursorContextOf(context.prefix, context.suffix);
      const stopRule = stopRulePredicate(cursor);
      const state: { phase: "build" | "complete" } = { phase: "build" };
      const run = (slot: EngineSlot) =>
        slot.run(signal, (engine) => {
          state.phase = "complete";
          signal.throwIfAborted();
          ledger.count("engineRuns");
          return engine.complete({
            prefix: context.prefix,
            suffix: context.suffix,
            languageId: document.languageId,
            documentKey: document.uri,
            maxTokens: settings.maxTokens,
            signal,
            // Show the first line as soon as it is verified; the rest follows in the background.
            shouldStop: (text) => stopRule(text) || firstLineComplete(text),
          });
        });
      const { verifierCircuit } = this.#options;
      // Degraded mode is opt-in: without allowUnverified every completion is the verifier's.
      const fallback = settings.allowUnverified ? this.#options.degradedSlot() : undefined;
      let output: CompletionOutput;
      try {
        if (verifierCircuit.closed) {
          try {
            output = await run(this.#options.slot);
            verifierCircuit.recordSuccess();
          } catch (error) {
            if (signal.aborted || isAbortError(error) || !isVerifierUnavailable(error)) throw error;
            if (verifierCircuit.recordFailure(error)) log.warn(`verifier unavailable: circuit opened (${errorMessageOf(error)})`);
            if (!fallback) throw error;
            log.info(`completion at ${where}: verifier unavailable, falling back to the drafter alone`);
            state.phase = "build";
            output = await run(fallback);
          }
        } else {
          // Fail fast: a dead verifier is not asked again until the breaker's probe finds it back.
          if (!fallback) return exit("verifierUnavailable", "circuit open; no drafter-only fallback (configspec.allowUnverified off, or no drafter)");
          log.debug(`completion at ${where}: verifier circuit open, drafter alone`);
          output = await run(fallback);
        }
      } catch (error) {
        if (signal.aborted || isAbortError(error)) return abortedExit();
        this.#options.onEngineError(state.phase, error);
        if (isVerifierUnavailable(error)) return exit("verifierUnavailable", errorMessageOf(error));
        return exit(state.phase === "build" ? "engineUnavailable" : "engineFailed", errorMessageOf(error));
      }
      const verified = output.configuration.verified;
      if (verified) ledger.count("verifierCalls", output.stats.rounds);
      if (output.stopReason === "aborted" || signal.aborted) {
        if (verified) ledger.count("wastedVerifierCalls", output.stats.rounds);
        return abortedExit();
      }

      const stats = ledger.book(output, this.#options.accounting());
      this.#options.onServed(stats, output);
      if (!output.configuration.verified && !settings.allowUnverified) return exit("unverified", "configspec.allowUnverified is off");
      if (output.text.trim() === "") return exit("emptyFromEngine", output.stopReason);
      const processed = postprocessCompletion(output.text, cursor);
      if (processed.text === "") return exit("emptyAfterStopRules", processed.stoppedBy ?? "whitespace only");
      // Unverified text must not outlive the outage: only the verifier's output is cached.
      if (verified) {
        this.#options.cache.store(context.documentPrefix, context.documentSuffix, processed.text);
        const cutAtFirstLine = output.stopReason === "stopRule" && applyStopRules(output.text, cursor, { final: false }).stoppedBy === null;
        this.#background.start({
          documentKey: document.uri,
          languageId: document.languageId,
          context,
          cursor,
          engineText: output.text,
          shownText: processed.text,
          cutAtFirstLine,
          tokensLeft: settings.maxTokens - output.stats.tokens,
          maxTokens: settings.maxTokens,
        });
      }
      ledger.count("served");
      log.debug(
        `completion at ${where}: ${processed.text.length} chars, ${stats.tokens} tokens in ${stats.rounds} rounds, ` +
          `${stats.latencyMs.toFixed(0)} ms, stop ${output.stopReason}${processed.stoppedBy ? `/${processed.stoppedBy}` : ""}`,
      );
      return this.#list(processed.text, params.position);
    } catch (error) {
      // Anything unexpected is a failed request, never a dead daemon.
      if (signal.aborted || error instanceof SupersededError) return abortedExit();
      return exit("engineFailed", errorMessageOf(error));
    } finally {
      request.end();
    }
  }

  #list(text: string, position: { line: number; character: number }): InlineCompletionList {
    return { items: [{ insertText: text, range: { start: position, end: position } }] };
  }
}
