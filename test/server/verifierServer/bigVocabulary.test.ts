import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { BIG_VOCABULARY_SIZE, bigVocabularyModel } from "../../helpers/bigVocabularyModel.js";
import { postJson } from "../../helpers/verifierTestKit.js";

const server = await startVerifierServer({ modelPath: await bigVocabularyModel(), slots: 2, contextSize: 256 });
after(() => server.close());

test("a 262,144-token vocabulary is served: text, echo with logprobs, and token ids at the top of the vocabulary", async () => {
  const text = await postJson(`${server.baseUrl}/completions`, { prompt: "def add(a, b):\n    return", max_tokens: 4 });
  assert.equal(text.status, 200, JSON.stringify(text.body));
  assert.equal(text.body.usage.completion_tokens, 4);

  const echo = await postJson(`${server.baseUrl}/completions`, { prompt: "const x = 1;", max_tokens: 1, echo: true, logprobs: 1 });
  assert.equal(echo.status, 200, JSON.stringify(echo.body));
  assert.ok(echo.body.choices[0].logprobs.tokens.length >= 2);

  const top = BIG_VOCABULARY_SIZE - 1;
  const ids = await postJson(`${server.baseUrl}/completions`, { prompt: [[5, 300, top], [5, 300]], max_tokens: 1, return_tokens_as_token_ids: true });
  assert.equal(ids.status, 200, JSON.stringify(ids.body));
  assert.equal(ids.body.choices.length, 2);

  const beyond = await postJson(`${server.baseUrl}/completions`, { prompt: [5, BIG_VOCABULARY_SIZE], max_tokens: 1 });
  assert.equal(beyond.status, 400);
  assert.match(beyond.body.error.message, /262144 tokens/);
});
