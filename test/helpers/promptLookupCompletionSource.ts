import { setTimeout as delay } from "node:timers/promises";
import type { CompletionInput, CompletionOutput, CompletionSource } from "../../server/completionContract.js";

/** Tokens emitted per round. Default 4. */
export const DEFAULT_PROMPT_LOOKUP_K = 4;
/** How long one round takes, so cancellation has something to interrupt. Default 20 ms. */
export const DEFAULT_PROMPT_LOOKUP_ROUND_MS = 20;
/** Longest and shortest prompt tails looked up in the earlier text. */
const LOOKUP_CHARS = 24;
const MIN_LOOKUP_CHARS = 6;

export interface PromptLookupOptions {
  /** Default {@link DEFAULT_PROMPT_LOOKUP_K}. */
  k?: number;
  /** Default {@link DEFAULT_PROMPT_LOOKUP_ROUND_MS}. */
  roundMs?: number;
}

/** Word-ish tokens: runs of word characters, runs of spaces, single other characters. */
function tokenize(text: string): string[] {
  return text.match(/\w+|[ \t]+|\n|[^\w\s]/g) ?? [];
}

/** What followed the latest earlier occurrence of the longest prompt tail found earlier ("" if none). */
function lookupContinuation(prefix: string): string {
  for (let length = Math.min(LOOKUP_CHARS, prefix.length - 1); length >= MIN_LOOKUP_CHARS; length--) {
    const at = prefix.lastIndexOf(prefix.slice(-length), prefix.length - length - 1);
    if (at !== -1) return prefix.slice(at + length);
  }
  return "";
}

/**
 * A model-free CompletionSource for daemon tests: prompt-lookup decoding (Saxena 2023) —
 * find the latest earlier occurrence of the prompt's longest tail (up to {@link LOOKUP_CHARS}
 * characters) and continue with what followed it, K tokens per round, honouring `signal` and `shouldStop`
 * like the real engine. Deterministic, so tests can state the exact expected completion.
 * It is NOT the product's engine; the daemon never ships with it.
 */
export class PromptLookupCompletionSource implements CompletionSource {
  readonly #k: number;
  readonly #roundMs: number;
  /** How many times complete() was entered (the daemon's counters are what tests assert on). */
  calls = 0;

  constructor(options: PromptLookupOptions = {}) {
    this.#k = options.k ?? DEFAULT_PROMPT_LOOKUP_K;
    this.#roundMs = options.roundMs ?? DEFAULT_PROMPT_LOOKUP_ROUND_MS;
  }

  async complete(input: CompletionInput): Promise<CompletionOutput> {
    this.calls += 1;
    const started = performance.now();
    const continuation = tokenize(lookupContinuation(input.prefix));
    const tokens = continuation.slice(0, input.maxTokens);
    let text = "";
    let produced = 0;
    let rounds = 0;
    let stopReason: CompletionOutput["stopReason"] = tokens.length < input.maxTokens ? "eos" : "maxTokens";
    while (produced < tokens.length) {
      try {
        await delay(this.#roundMs, undefined, { signal: input.signal });
      } catch {
        stopReason = "aborted";
        break;
      }
      rounds += 1;
      const round = tokens.slice(produced, produced + this.#k);
      produced += round.length;
      text += round.join("");
      if (input.shouldStop?.(text)) {
        stopReason = "stopRule";
        break;
      }
    }
    const totalMs = performance.now() - started;
    return {
      text,
      stopReason,
      stats: {
        tokens: produced,
        rounds,
        drafted: 0,
        accepted: 0,
        timings: { draftMs: 0, verifyMs: totalMs, networkMs: 0, totalMs },
        usage: { promptTokens: tokenize(input.prefix).length * Math.max(1, rounds), cachedTokens: 0, completionTokens: produced },
      },
      configuration: { drafterId: "prompt-lookup", k: this.#k, verified: true },
    };
  }

  async dispose(): Promise<void> {}
}
