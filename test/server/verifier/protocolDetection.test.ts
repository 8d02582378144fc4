import assert from "node:assert/strict";
import { test } from "node:test";
import { faultyHttpServerForFile } from "../../helpers/faultyHttpServer.js";
import { fakeChatOnly, fakeEchoOnly, fakeLlamaServer, fakePredictedOutputsOnly, fakeSglang, fakeVllmPrefixOnly } from "../../helpers/fakeVerifierEngines.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import { chooseVerifierProtocol, detectVerifierProtocols } from "../../../server/verifier/protocols/protocolDetection.js";
import { NoVerifierProtocolError } from "../../../server/verifier/protocols/noVerifierProtocolError.js";

// Auto-detection against fake endpoints that each implement ONE protocol. These are fakes
// because vLLM, SGLang, llama-server and the hosted APIs cannot run here; their shapes come from
// the sources cited in test/helpers/fakeVerifierEngines.ts and server/verifier/protocols/*.ts.

const servers = {
  sglang: await faultyHttpServerForFile(fakeSglang),
  vllm: await faultyHttpServerForFile(fakeVllmPrefixOnly),
  llama: await faultyHttpServerForFile(fakeLlamaServer),
  echo: await faultyHttpServerForFile(fakeEchoOnly),
  predicted: await faultyHttpServerForFile(fakePredictedOutputsOnly),
  chat: await faultyHttpServerForFile(fakeChatOnly),
};

async function detect(baseUrl: string) {
  const client = new VerifierClient({ baseUrl, model: "toy", maxRetries: 0 });
  return detectVerifierProtocols(client, { probeTokens: [5, 17, 42] });
}

const cases = [
  { name: "SGLang (/generate only)", server: "sglang", engine: "sglang", protocol: "sglang", variant: undefined },
  { name: "vLLM-style (token-array batches, no echo)", server: "vllm", engine: "vllm", protocol: "prefix-probe", variant: "openai-completions" },
  { name: "llama-server (/completion, echo refused on /v1)", server: "llama", engine: "llama-server", protocol: "prefix-probe", variant: "llama-server" },
  { name: "a hosted echo + logprobs API", server: "echo", engine: "unknown", protocol: "echo-logprobs", variant: undefined },
  { name: "a chat API with Predicted Outputs", server: "predicted", engine: "unknown", protocol: "predicted-outputs", variant: undefined },
] as const;

for (const c of cases) {
  test(`auto picks ${c.protocol} for ${c.name}, and finds nothing else`, async () => {
    const detection = await detect(servers[c.server].baseUrl);
    assert.deepEqual(detection.found, [c.protocol]);
    assert.equal(detection.engine, c.engine);
    const choice = chooseVerifierProtocol(detection, "auto");
    assert.equal(choice.protocol, c.protocol);
    assert.equal(choice.variant, c.variant);
    assert.match(choice.reason, new RegExp(`^${c.protocol}: auto`));
    // A named protocol the endpoint lacks is an error, never a silent fallback.
    const other = c.protocol === "sglang" ? "echo-logprobs" : "sglang";
    assert.throws(() => chooseVerifierProtocol(detection, other), NoVerifierProtocolError);
  });
}

test("llama-server's slots and context length are read from /props; vLLM's max_model_len from /v1/models", async () => {
  const llama = await detect(servers.llama.baseUrl);
  assert.deepEqual([llama.slots, llama.maxModelLen], [9, 2048]);
  const vllm = await detect(servers.vllm.baseUrl);
  assert.equal(vllm.maxModelLen, 4096);
});

test("a chat-only API that ignores prediction gets an error naming what each protocol needs and what came back", async () => {
  const detection = await detect(servers.chat.baseUrl);
  assert.deepEqual(detection.found, []);
  const error = (() => {
    try {
      chooseVerifierProtocol(detection, "auto");
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.ok(error instanceof NoVerifierProtocolError);
  for (const protocol of ["sglang", "prefix-probe", "echo-logprobs", "predicted-outputs"]) assert.match(error.message, new RegExp(`- ${protocol} needs `));
  assert.match(error.message, /POST \/generate .*404/);
  assert.match(error.message, /accepted_prediction_tokens/);
  assert.match(error.message, /llama-server through its \/completion route/);
});

test("when several protocols work, auto takes the selector's pick when it works, else the cheapest", () => {
  const detection = {
    endpoint: "http://x/v1",
    engine: "configspec" as const,
    maxModelLen: undefined,
    slots: undefined,
    probes: [],
    found: ["sglang" as const, "prefix-probe" as const, "echo-logprobs" as const],
  };
  assert.equal(chooseVerifierProtocol(detection, "auto").protocol, "sglang");
  // Detection only says what works: the selector's protocol for the configuration wins when the endpoint answers it…
  const preferred = chooseVerifierProtocol(detection, "auto", { preferred: "echo-logprobs" });
  assert.equal(preferred.protocol, "echo-logprobs");
  assert.match(preferred.reason, /^echo-logprobs: auto — the profile's pick for this configuration and objective; also works: sglang, prefix-probe$/);
  // …and is ignored when it does not.
  assert.equal(chooseVerifierProtocol(detection, "auto", { preferred: "predicted-outputs" }).protocol, "sglang");
  // A drafter with another tokenizer can only use echo-logprobs (as text) or predicted outputs.
  assert.equal(chooseVerifierProtocol(detection, "auto", { allowed: ["echo-logprobs", "predicted-outputs"] }).protocol, "echo-logprobs");
});

test("resolution with auto keeps to what the endpoint answers", async () => {
  const { resolveVerifierProtocol } = await import("../../../server/verifier/protocols/protocolResolution.js");
  const client = new VerifierClient({ baseUrl: servers.sglang.baseUrl, model: "toy", maxRetries: 0 });
  // Only sglang works here, so the selector's preference for another protocol cannot pick it.
  const resolved = await resolveVerifierProtocol({ client, setting: "auto", preferred: "prefix-probe", sharesTokenizer: async () => true, probeTokens: [5, 17, 42] });
  assert.equal(resolved.choice.protocol, "sglang");
  assert.equal(resolved.roundVerifier.loop, "tokenIds");
  assert.equal(resolved.roundVerifier.loop === "tokenIds" && resolved.roundVerifier.verifier.protocol, "sglang");
  // A token protocol without the shared tokenizer: refused either way here (nothing takes drafts as text).
  const { TokenizerMismatchError } = await import("../../../server/verifier/protocols/tokenizerMismatchError.js");
  await assert.rejects(resolveVerifierProtocol({ client, setting: "sglang", sharesTokenizer: async () => false }), TokenizerMismatchError);
  await assert.rejects(resolveVerifierProtocol({ client, setting: "auto", sharesTokenizer: async () => false, probeTokens: [5, 17, 42] }), TokenizerMismatchError);
});
