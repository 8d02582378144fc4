import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import { CompletionMeter } from "../engine/completionMeter.js";
import type { RoundObservation } from "../engine/loops/loopTypes.js";
import { runTokenIdsLoop } from "../engine/loops/tokenIdsLoop.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import { draftingLabel, WAITING_LABEL, type PowerTally } from "./powerTally.js";

export type { RoundObservation };

export interface RecordRoundsOptions {
  drafter: Drafter;
  /** The protocol the profile is measured with. */
  verifier: TokenVerifier;
  /** The drafter's KV-cache key: one per prompt, shared by the rounds of a walk. */
  documentKey: string;
  prompt: readonly Token[];
  /** K of each round; as many rounds as entries (fewer if the verifier ends the text). */
  ks: readonly number[];
  drafterThreads: number;
  tally: PowerTally;
  signal?: AbortSignal;
}

/**
 * Walks a prompt through the engine's own token-ids loop, K by `ks` round by round, and records
 * each round: the rounds see the context lengths and KV-cache state real completions see, and a
 * change to the loop is a change to what is profiled.
 */
export async function recordRounds(options: RecordRoundsOptions): Promise<RoundObservation[]> {
  const { drafter, tally, ks } = options;
  const rounds: RoundObservation[] = [];
  await runTokenIdsLoop({
    drafter,
    verifier: options.verifier,
    documentKey: options.documentKey,
    k: 0,
    prompt: { tokens: [...options.prompt], text: "", fim: false },
    maxTokens: Number.POSITIVE_INFINITY,
    signal: options.signal ?? new AbortController().signal,
    meter: new CompletionMeter(),
    hooks: {
      kOf: (index) => ks[index],
      aroundDraft: (draft) => tally.measure(draftingLabel(drafter.id, options.drafterThreads), draft),
      aroundVerify: (verify) => tally.measure(WAITING_LABEL, verify),
      onRound: (round) => rounds.push(round),
    },
  });
  return rounds;
}

/**
 * Whether the verifier served the round from a warm prefix cache: everything but the token it
 * generated last round was cached. Only such rounds time the steady state the model predicts
 * (a completion's prompt is cached from the previous keystroke).
 */
export function isWarmRound(round: RoundObservation): boolean {
  const { cachedTokens } = round.stats.usage;
  return cachedTokens >= round.contextTokens - 1 && cachedTokens > 0;
}
