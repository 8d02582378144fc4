import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { startVerifierServer, type VerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { verifyEchoed } from "../../../server/verifier/protocols/echoLogprobsProtocol.js";
import { predict } from "../../../server/verifier/protocols/predictedOutputsProtocol.js";

// Model-dependent: the client against the embedded verifier serving the generated target.

const API_KEY = "sk-embedded-test";
const PROMPT_IDS = [40, 41, 52, 63, 74, 85, 96];
const PROMPT_TEXT = "def fibonacci(n):\n    if n < 2:\n        return n\n";

let server: VerifierServer;
let client: VerifierClient;
before(async () => {
  const { target } = await modelFamilyFixture();
  server = await startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 256, apiKey: API_KEY });
  client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId, apiKey: API_KEY });
});
after(() => server?.close());

test("the probe finds the embedded verifier and its model", async () => {
  assert.deepEqual(await client.probe().then((h) => h.status === "ok" && h.modelListed), true);
  const wrongKey = await new VerifierClient({ baseUrl: server.url, model: server.modelId, apiKey: "sk-wrong" }).probe();
  assert.equal(wrongKey.status, "unauthorized");
});

test("token ids: the verifier's own greedy output is accepted in full and the next token is the bonus", async () => {
  const greedy = await client.generate({ prompt: PROMPT_IDS, maxTokens: 6, returnTokenIds: true });
  assert.equal(greedy.tokenIds?.length, 6);
  const ids = greedy.tokenIds!;
  const all = await verifyEchoed(client, { prompt: PROMPT_IDS, draft: ids.slice(0, 5) });
  assert.deepEqual([all.accepted, all.nextTokenSource, all.nextToken?.id], [5, "bonus", ids[5]]);
  assert.equal(typeof all.nextToken?.text, "string", "the embedded server's text_offset counts text");
  assert.equal(all.stats.usage.promptTokens, PROMPT_IDS.length + 5);

  const wrong = (ids[2] + 1) % 200;
  const partial = await verifyEchoed(client, { prompt: PROMPT_IDS, draft: [ids[0], ids[1], wrong, ids[3]] });
  assert.deepEqual([partial.accepted, partial.nextTokenSource, partial.nextToken?.id], [2, "correction", ids[2]]);
});

test("text: the verifier's own greedy text is accepted from the start", async () => {
  const greedy = await client.generate({ prompt: PROMPT_TEXT, maxTokens: 8 });
  const result = await verifyEchoed(client, { prompt: PROMPT_TEXT, draft: greedy.text });
  assert.ok(greedy.text.startsWith(result.acceptedText));
  assert.ok(result.acceptedTokens > 0, `accepted nothing of ${JSON.stringify(greedy.text)}`);
  assert.ok(result.nextText !== undefined);
});

test("predicted outputs: the prediction is verified and the output is the verifier's own", async () => {
  const greedy = await client.generate({ prompt: PROMPT_TEXT, maxTokens: 8 });
  const result = await predict(client, { prompt: PROMPT_TEXT, prediction: greedy.text, maxTokens: 8 });
  assert.equal(result.text, greedy.text);
  assert.ok(result.acceptedPredictionTokens > 0);
});
