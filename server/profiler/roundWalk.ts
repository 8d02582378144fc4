import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { draftingLabel, WAITING_LABEL, type PowerTally } from "./powerTally.js";

/** One draft–verify round as the profiler observed it. */
export interface RoundObservation {
  /** Draft tokens asked for. */
  k: number;
  /** Draft tokens produced (fewer when the drafter ended the text). */
  drafted: number;
  accepted: number;
  /** Tokens before the drafts: prompt + tokens kept so far. */
  contextTokens: number;
  /** Context tokens the drafter had to evaluate before drafting (its KV cache held the rest). */
  drafterCatchUpTokens: number;
  /** Per drafted token, ms (the first includes the catch-up evaluation). */
  tokenMs: number[];
  /** Wall time of the whole draft call, ms. */
  draftCallMs: number;
  /** Wall time of the verification call, ms (emulated delay included). */
  verifyCallMs: number;
  /** Emulated delay inside verifyCallMs, ms. */
  networkMs: number;
  /** Billed for the call. */
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

export interface RoundWalkOptions {
  drafter: Drafter;
  client: VerifierClient;
  /** The drafter's KV-cache key: one per prompt, shared by the rounds of a walk. */
  documentKey: string;
  prompt: readonly Token[];
  /** K of each round; the walk has as many rounds as entries (fewer if the verifier ends the text). */
  ks: readonly number[];
  drafterThreads: number;
  tally: PowerTally;
  signal?: AbortSignal;
}

/**
 * Runs the speculative loop's rounds the way runTokenIdsLoop does (draft K after prompt + kept
 * tokens, verify by token ids, keep the agreed prefix and the verifier's own next token) and
 * records each round. The walk moves the context forward as a completion would, so the rounds
 * see the context lengths and the KV-cache state real completions see.
 */
export async function walkRounds(options: RoundWalkOptions): Promise<RoundObservation[]> {
  const { drafter, client, documentKey, prompt, signal, tally } = options;
  const output: Token[] = [];
  const rounds: RoundObservation[] = [];
  for (const k of options.ks) {
    signal?.throwIfAborted();
    const context = [...prompt, ...output];
    const draftStarted = performance.now();
    const draft = k > 0 ? await tally.measure(draftingLabel(drafter.id, options.drafterThreads), () => drafter.draft(documentKey, context, k, signal)) : undefined;
    const draftCallMs = performance.now() - draftStarted;
    const tokens = draft?.tokens ?? [];
    const verdict = await tally.measure(WAITING_LABEL, () => client.verifyDraftTokenIds({ prompt: context, draft: tokens, signal }));
    rounds.push({
      k,
      drafted: tokens.length,
      accepted: verdict.accepted,
      contextTokens: context.length,
      drafterCatchUpTokens: draft?.evaluatedContextTokens ?? 0,
      tokenMs: draft?.tokenMs ?? [],
      draftCallMs: k > 0 ? draftCallMs : 0,
      verifyCallMs: verdict.stats.latencyMs,
      networkMs: verdict.stats.networkMs,
      promptTokens: verdict.stats.usage.promptTokens,
      cachedTokens: verdict.stats.usage.cachedTokens,
      completionTokens: verdict.stats.usage.completionTokens,
    });
    const kept = tokens.slice(0, verdict.accepted);
    const endAt = kept.findIndex((token) => drafter.isEndOfGeneration(token));
    if (endAt >= 0) break;
    output.push(...kept);
    const next = verdict.nextToken;
    if (next === undefined || drafter.isEndOfGeneration(next.id as Token)) break;
    output.push(next.id as Token);
  }
  return rounds;
}

/**
 * Whether the verifier served the round from a warm prefix cache: everything but the token it
 * generated last round was cached. Only such rounds time the steady state the model predicts
 * (a completion's prompt is cached from the previous keystroke); a cold first request also
 * prefills the whole prompt with echo logprobs.
 */
export function isWarmRound(round: RoundObservation): boolean {
  return round.cachedTokens >= round.contextTokens - 1 && round.cachedTokens > 0;
}

/**
 * Leaves the verifier's cache holding exactly `prompt`: a K = 0 verification of it (the one token
 * generated is never evaluated, so nothing after the prompt stays). Without this, a prompt walked
 * before keeps its greedy continuation cached and later requests read accepted tokens back
 * instead of evaluating them — faster than any completion after a keystroke would be.
 */
export async function cacheOnlyPrompt(client: VerifierClient, prompt: readonly Token[], signal?: AbortSignal): Promise<void> {
  await client.verifyDraftTokenIds({ prompt, draft: [], signal });
}
