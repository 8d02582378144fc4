import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { startFaultyHttpServer, type FaultyHttpServer } from "../../helpers/faultyHttpServer.js";
import { completionBody, tokenIdLogprobs, toyContinuation } from "../../helpers/completionFixtures.js";
import { verifyEchoed } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";

// Token-id verification validates the echoed prompt's top_logprobs only as objects or nulls
// (their values are never read) and the draft positions' entries fully.

const prompt = [5, 17, 42, 8, 3];
const draft = toyContinuation(prompt, 3);

let server: FaultyHttpServer;
before(async () => {
  server = await startFaultyHttpServer();
});
after(() => server.close());

function respondWith(edit: (top: unknown[]) => void) {
  const logprobs = tokenIdLogprobs([...prompt, ...draft]);
  edit(logprobs.top_logprobs);
  server.setHandler(() => ({ kind: "json", body: completionBody(logprobs, "ok") }));
  return verifyEchoed(new VerifierClient({ baseUrl: server.baseUrl, model: "toy", maxRetries: 0 }), { prompt, draft });
}

test("an unread prompt entry with odd values does not fail a verification; its shape still must be an object or null", async () => {
  const verified = await respondWith((top) => {
    top[2] = { "token_id:1": "not a number" };
  });
  assert.equal(verified.accepted, draft.length);
  await assert.rejects(
    respondWith((top) => {
      top[2] = "not an object";
    }),
    (error: Error) => error instanceof VerifierResponseError && /top_logprobs/.test(error.message),
  );
});

test("a draft position's entry is validated as token → logprob", async () => {
  for (const bad of [{ "token_id:1": "x" }, ["token_id:1", -1]]) {
    await assert.rejects(
      respondWith((top) => {
        top[prompt.length + 1] = bad;
      }),
      (error: Error) => error instanceof VerifierResponseError && new RegExp(`top_logprobs`).test(error.message),
      JSON.stringify(bad),
    );
  }
});

test("the echoed arrays of strings, logprobs and offsets are still checked element by element", async () => {
  const cases: [(logprobs: Record<string, unknown[]>) => void, RegExp][] = [
    [(l) => (l.tokens[1] = 17), /tokens/],
    [(l) => (l.token_logprobs[2] = "-1.5"), /token_logprobs/],
    [(l) => (l.text_offset[3] = -1), /text_offset/],
    [(l) => (l.text_offset[3] = 1.5), /text_offset/],
  ];
  for (const [edit, where] of cases) {
    const logprobs = tokenIdLogprobs([...prompt, ...draft]);
    edit(logprobs as unknown as Record<string, unknown[]>);
    server.setHandler(() => ({ kind: "json", body: completionBody(logprobs, "ok") }));
    const client = new VerifierClient({ baseUrl: server.baseUrl, model: "toy", maxRetries: 0 });
    await assert.rejects(verifyEchoed(client, { prompt, draft }), (error: Error) => error instanceof VerifierResponseError && where.test(error.message), String(edit));
  }
});
