// The profile's round records come from the engine's own token-ids loop (runTokenIdsLoop through
// its RoundHooks), not from a copy of it: the same calls in the same order, and each record
// carries the very stats object the loop's verification returned.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import type { Drafter } from "../../../server/drafter/drafter.js";
import { CompletionMeter } from "../../../server/engine/completionMeter.js";
import type { RoundObservation } from "../../../server/engine/loops/loopTypes.js";
import { runTokenIdsLoop } from "../../../server/engine/loops/tokenIdsLoop.js";
import { PowerTally } from "../../../server/profiler/powerTally.js";
import { recordRounds } from "../../../server/profiler/recordedRounds.js";
import { acceptFromArgmax, type DraftVerification, type TokenVerifier } from "../../../server/verifier/protocols/tokenVerifier.js";

const EOS = 0;
/** The verifier's greedy next token; the drafter agrees except after multiples of 5. */
const verifierNext = (context: readonly number[]) => (context.at(-1)! % 97) + 1;
const drafterNext = (context: readonly number[]) => (context.length % 5 === 0 ? 99 : verifierNext(context));

function fakes() {
  const calls: string[] = [];
  const drafter = {
    id: "fake",
    async draft(_key: string, context: readonly Token[], k: number) {
      const tokens: Token[] = [];
      for (let i = 0; i < k; i++) tokens.push(drafterNext([...context, ...tokens]) as Token);
      calls.push(`draft ${context.length} ${k}`);
      return { tokens, tokenMs: tokens.map(() => 1), evaluatedContextTokens: 1 };
    },
    isEndOfGeneration: (token: Token) => token === EOS,
    textAfter: (tokens: readonly Token[]) => tokens.join(" "),
  } as unknown as Drafter;
  const returned: DraftVerification["stats"][] = [];
  const verifier: TokenVerifier = {
    protocol: "sglang",
    route: "POST /fake",
    async verifyDraft({ context, draft }) {
      calls.push(`verify ${context.length} ${draft.join(",")}`);
      const verifierTokens: number[] = [];
      for (let i = 0; i <= draft.length; i++) verifierTokens.push(verifierNext([...context, ...draft.slice(0, i)]));
      const stats = { latencyMs: 2, attemptMs: 2, networkMs: 0, attempts: 1, usage: { promptTokens: context.length + draft.length, cachedTokens: context.length - 1, completionTokens: 1 } };
      returned.push(stats);
      return { verifierTokens, ...acceptFromArgmax(draft, verifierTokens), stopReason: "maxTokens", stats };
    },
    tokenize: async () => [],
  };
  return { calls, drafter, verifier, returned };
}

const prompt = [3, 8, 13, 21] as Token[];
const ks = [2, 4, 0, 3, 4];

test("the profile's rounds are the engine loop's rounds: same calls, the loop's own verification stats", async () => {
  const profiled = fakes();
  const rounds = await recordRounds({ drafter: profiled.drafter, verifier: profiled.verifier, documentKey: "p", prompt, ks, drafterThreads: 1, tally: new PowerTally(undefined) });

  const engine = fakes();
  const seen: RoundObservation[] = [];
  const meter = new CompletionMeter();
  await runTokenIdsLoop({
    drafter: engine.drafter,
    verifier: engine.verifier,
    documentKey: "p",
    k: 0,
    prompt: { tokens: [...prompt], text: "", fim: false },
    maxTokens: Number.POSITIVE_INFINITY,
    signal: new AbortController().signal,
    meter,
    hooks: { kOf: (i) => ks[i], onRound: (round) => seen.push(round) },
  });

  assert.deepEqual(profiled.calls, engine.calls, "the walk makes exactly the engine loop's draft and verify calls");
  assert.equal(rounds.length, ks.length);
  assert.deepEqual(
    rounds.map((r) => [r.k, r.drafted, r.accepted, r.contextTokens]),
    seen.map((r) => [r.k, r.drafted, r.accepted, r.contextTokens]),
  );
  // What the loop's meter booked per round is what the profile recorded.
  assert.deepEqual(
    meter.stats(0).perRound?.map((r) => [r.drafted, r.accepted]),
    rounds.map((r) => [r.drafted, r.accepted]),
  );
  // Each record's stats are the object the verification returned inside the loop, not a copy.
  rounds.forEach((round, i) => assert.equal(round.stats, profiled.returned[i]));
  // The context grows as the loop keeps tokens: accepted drafts plus the verifier's own token.
  for (let i = 1; i < rounds.length; i++) assert.equal(rounds[i].contextTokens, rounds[i - 1].contextTokens + rounds[i - 1].accepted + 1);
});
