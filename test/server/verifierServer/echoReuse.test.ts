import assert from "node:assert/strict";
import { test } from "node:test";
import type { VerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { CODE_PROMPTS, GreedyReference, postJson, startTargetVerifier, tokenIds, topKey } from "../../helpers/verifierTestKit.js";

// Speculative rounds re-send the same echoed prefix: the formatted entries and text offsets a
// slot kept from the previous request must give what a cold slot computes.

const cached: VerifierServer = await startTargetVerifier({ slots: 1 });
const cold: VerifierServer = await startTargetVerifier({ slots: 1 });
const reference = await GreedyReference.create();

const MODES = [
  { return_tokens_as_token_ids: true, logprobs: 1 },
  { return_tokens_as_token_ids: false, logprobs: 1 },
  { return_tokens_as_token_ids: true, logprobs: 3 },
  { return_tokens_as_token_ids: false, logprobs: 0 },
];

async function echo(server: VerifierServer, prompt: readonly number[], mode: (typeof MODES)[number]) {
  const { status, body } = await postJson(`${server.baseUrl}/completions`, { prompt, echo: true, max_tokens: 1, temperature: 0, ...mode });
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

/** Cold: the slot first serves an unrelated prompt, so nothing of `prompt` is cached. */
async function coldEcho(prompt: readonly number[], mode: (typeof MODES)[number]) {
  await echo(cold, [prompt[0] === 1 ? 2 : 1], mode);
  const body = await echo(cold, prompt, mode);
  assert.equal(body.usage.prompt_tokens_details.cached_tokens, 0);
  return body;
}

// Logprobs of a cached position come from an earlier batch (llama.cpp is not batch-invariant):
// equal argmax, values within ~1e-3 of each other.
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-2 * Math.max(1, Math.abs(b));

function assertSameLogprobs(actual: any, expected: any, what: string) {
  assert.equal(actual.choices[0].text, expected.choices[0].text, what);
  const [a, e] = [actual.choices[0].logprobs, expected.choices[0].logprobs];
  assert.deepEqual(a.tokens, e.tokens, what);
  assert.deepEqual(a.text_offset, e.text_offset, what);
  e.token_logprobs.forEach((value: number | null, i: number) => {
    if (value === null) return assert.equal(a.token_logprobs[i], null, `${what} @${i}`);
    assert.ok(close(a.token_logprobs[i], value), `${what} @${i}: ${a.token_logprobs[i]} vs ${value}`);
    assert.equal(topKey(a.top_logprobs[i]), topKey(e.top_logprobs[i]), `${what} @${i}`);
    for (const [key, logprob] of Object.entries<number>(e.top_logprobs[i])) {
      if (key in a.top_logprobs[i]) assert.ok(close(a.top_logprobs[i][key], logprob), `${what} @${i} ${key}`);
    }
  });
}

test("rounds that extend, correct and cut a cached echoed prompt (mid-character too) answer like a cold slot", async () => {
  const tokens = reference.tokenize(`${CODE_PROMPTS[0]} # café 日本語 🙂 ok\n${CODE_PROMPTS[1]}`);
  const emoji = reference.tokenize(`${CODE_PROMPTS[0]} # café 日本語 `).length;
  const m = 20;
  // The verifier's greedy token after tokens[0..m+2]: a "correction" whose prediction stays cached.
  const probe = await echo(cached, tokens.slice(0, m + 4), MODES[0]);
  const [correction] = tokenIds([topKey(probe.choices[0].logprobs.top_logprobs[m + 3])]);
  const prompts = [
    tokens.slice(0, m),
    tokens.slice(0, m + 4),
    [...tokens.slice(0, m + 3), correction, ...tokens.slice(m + 5, m + 8)],
    // Cut before, inside and after the emoji's byte tokens, continued with text of other lengths.
    ...[-1, 0, 1, 2, 3].flatMap((shift) => [
      [...tokens.slice(0, emoji + shift), ...tokens.slice(emoji + 6, emoji + 9)],
      [...tokens.slice(0, emoji + shift), ...reference.tokenize(" zz_identifier(")],
    ]),
    tokens,
  ];
  for (const mode of MODES) {
    for (const [i, prompt] of prompts.entries()) {
      const warm = await echo(cached, prompt, mode);
      assertSameLogprobs(warm, await coldEcho(prompt, mode), `${JSON.stringify(mode)} prompt ${i}`);
    }
  }
});
