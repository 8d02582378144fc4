import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { completionInput, corpusPrompts, speculativeFixture } from "../../helpers/speculativeFixture.js";

// Acceptance counts recomputed without the verifier's logprobs: take the verifier's own greedy
// tokens (plain generation), replay the rounds with the drafter, and count how many draft tokens
// match. Every round's count must equal what the engine reported from the echoed logprobs.
const MAX_TOKENS = 24;

const fixture = await speculativeFixture();

test("per-round acceptance equals a replay against the verifier's greedy tokens", async () => {
  const client = new VerifierClient({ baseUrl: fixture.server.baseUrl, model: fixture.server.modelId });
  try {
    const prompts = await corpusPrompts(8, 777);
    let rounds = 0;
    for (const drafter of fixture.drafters) {
      for (const k of [1, 3, 6]) {
        const engine = await fixture.engine({ k, drafter });
        for (const cut of prompts) {
          const output = await engine.complete(completionInput(cut, MAX_TOKENS));
          const prompt = engine.promptFor(cut.prefix, cut.suffix).tokens;
          const greedy = await client.generate({ prompt, maxTokens: MAX_TOKENS, returnTokenIds: true });
          const truth = greedy.tokenIds! as Token[];
          const replayed: number[] = [];
          let done = 0;
          while (done < MAX_TOKENS) {
            const draftLength = Math.min(k, MAX_TOKENS - done - 1);
            const draft = draftLength > 0 ? (await drafter.draft("replay", [...prompt, ...truth.slice(0, done)], draftLength)).tokens : [];
            let accepted = 0;
            while (accepted < draft.length && draft[accepted] === truth[done + accepted]) accepted++;
            replayed.push(accepted);
            done += accepted + 1;
          }
          assert.deepEqual(output.stats.perRound!.map((round) => round.accepted), replayed, `${drafter.id} K=${k} at ${cut.file}:${cut.offset}`);
          assert.equal(output.stats.accepted, replayed.reduce((a, b) => a + b, 0));
          rounds += replayed.length;
        }
      }
    }
    assert.ok(rounds > 100, `${rounds} rounds replayed`);
  } finally {
    client.dispose();
  }
});
