import type { CompletionCut } from "../corpus/codeCorpus.js";
import { cursorContextOf, stopRulePredicate } from "../postprocess/stopRules.js";
import { CompletionMeter } from "../engine/completionMeter.js";
import { runVerifierOnly } from "../engine/loops/singleModelModes.js";
import { decodeMsPerTokenOf } from "../prediction/performanceModel.js";
import type { LatencyStats, PrefillFit } from "../profile/profileSchema.js";
import type { CompletionLength, CompletionLengthSample } from "../profile/workloadTerms.js";
import type { CompletionPrompt } from "../prompt/completionPrompt.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import type { StreamingEndpoint } from "../verifier/streamingGeneration.js";
import { latencyStatsOf } from "./latencyStats.js";
import { WAITING_LABEL, type PowerTally } from "./powerTally.js";

/** Samples of two tokens or more needed before the decode speed at the stop-rule length is trusted. */
const MIN_TIMED_SAMPLES = 3;

export interface CompletionLengthOptions {
  client: StreamingEndpoint;
  /** The profile's token protocol: primes the verifier's cache with each prompt, as validation and the daemon's warm-up do. */
  verifier: TokenVerifier;
  cuts: readonly CompletionCut[];
  /** The same cuts as prompts, built with a drafter sharing the verifier's tokenizer. */
  prompts: readonly CompletionPrompt[];
  /** The budget each completion runs under. */
  maxTokens: number;
  tally: PowerTally;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/**
 * Completes each calibration prompt with the verifier alone, through the engine's verifier-only
 * mode, under the daemon's stop rules (server/postprocess/stopRules.ts, as the daemon passes them as
 * `shouldStop`): how many tokens a completion really produces, and how long that generation takes.
 * Each starts with its prompt cached by the verifier, the steady state validation measures.
 */
export async function measureCompletionLengths(options: CompletionLengthOptions): Promise<CompletionLengthSample[]> {
  const { signal, tally } = options;
  const samples: CompletionLengthSample[] = [];
  for (const [i, cut] of options.cuts.entries()) {
    signal?.throwIfAborted();
    options.onProgress?.(i / options.cuts.length, `completion length under the stop rules, prompt ${i + 1}/${options.cuts.length}`);
    const prompt = options.prompts[i];
    await tally.measure(WAITING_LABEL, () => cacheOnlyPrompt(options.verifier, prompt.tokens, signal));
    const shouldStop = stopRulePredicate(cursorContextOf(cut.prefix, cut.suffix));
    const started = performance.now();
    const result = await tally.measure(WAITING_LABEL, () =>
      runVerifierOnly({ client: options.client, prompt, maxTokens: options.maxTokens, signal: signal ?? new AbortController().signal, meter: new CompletionMeter(), shouldStop, sendTokenIds: true }),
    );
    samples.push({ tokens: result.tokens, promptTokens: prompt.tokens.length, ms: performance.now() - started, hitBudget: result.stopReason === "maxTokens" });
  }
  return samples;
}

/** The profile's completion-length term, with decode ms per token timed at these lengths. */
export function completionLengthOf(samples: readonly CompletionLengthSample[], maxTokens: number, rttMs: number, prefill: PrefillFit): CompletionLength {
  if (samples.length === 0) throw new RangeError("expected completions under the stop rules, found none");
  const timed = samples.filter((s) => s.tokens >= 2);
  const perToken = timed.map((s) => decodeMsPerTokenOf(s, rttMs, prefill));
  const verifierOnlyMsPerToken: LatencyStats | undefined = perToken.length >= MIN_TIMED_SAMPLES ? latencyStatsOf(perToken) : undefined;
  return { maxTokens, samples: [...samples], ...(verifierOnlyMsPerToken ? { verifierOnlyMsPerToken } : {}) };
}
