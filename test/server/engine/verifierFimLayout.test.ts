import { loadDrafter } from "../../../server/drafter/loadDrafter.js";
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Drafter } from "../../../server/drafter/drafter.js";
import { SpeculativeEngine } from "../../../server/engine/speculativeEngine.js";
import { resolveVerifierFimLayout, verifierReadsFimMarkers } from "../../../server/engine/verifierFimLayout.js";
import { drafterProbeText } from "../../../server/engine/loops/sharedTokenizer.js";
import { PREFIX_ONLY_NOTE } from "../../../server/prompt/fimDialect.js";
import { TokenizerMismatchError } from "../../../server/verifier/protocols/tokenizerMismatchError.js";
import { tokenizerRoutes } from "../../../server/verifier/protocols/protocolResolution.js";
import { VerifierClient } from "../../../server/verifier/verifierClient.js";
import type { RunningEngine } from "../../../scripts/engines/engineProcess.js";
import { fimDialectModel } from "../../helpers/fimDialectModels.js";
import { llamaServerForFile } from "../../helpers/realEngines.js";

// Real llama-servers serving dialect GGUFs the tests write: the daemon checks that the verifier
// reads the FIM markers of the text it is sent, and never sends markers it would take as text.

const [qwen, deepseek, none] = await Promise.all([fimDialectModel("qwen"), fimDialectModel("deepseek"), fimDialectModel("none")]);
const deepseekServer = await llamaServerForFile({ model: deepseek.path, slots: 1, contextSize: 512 });
const bareServer = await llamaServerForFile({ model: none.path, slots: 1, contextSize: 512 });

function clientOf(engine: RunningEngine): VerifierClient {
  const client = new VerifierClient({ baseUrl: engine.baseUrl, model: engine.model, timeoutMs: 60_000 });
  after(() => client.dispose());
  return client;
}
async function drafterOf(id: string, path: string): Promise<Drafter> {
  const drafter = await loadDrafter({ id, uriOrPath: path, contextSize: 512, sequences: 1 });
  after(() => drafter.dispose());
  return drafter;
}

const deepseekClient = clientOf(deepseekServer);
const bareClient = clientOf(bareServer);
const qwenDrafter = await drafterOf("fim-qwen", qwen.path);
const deepseekDrafter = await drafterOf("fim-deepseek", deepseek.path);
const bareDrafter = await drafterOf("fim-none", none.path);

test("llama-server's /tokenize reads its own dialect's markers as one special token each, another dialect's as plain text", async () => {
  const route = tokenizerRoutes(deepseekClient).find((r) => r.route === "POST /completion");
  assert.ok(route, "llama-server's native route");
  assert.equal(await verifierReadsFimMarkers(deepseekDrafter.fimMarkers!.texts, route), true);
  assert.equal(await verifierReadsFimMarkers(qwenDrafter.fimMarkers!.texts, route), false);
});

test("a verifier of the drafter's dialect keeps the drafter's layout; one of another dialect is sent its own; one without FIM the prefix alone", async () => {
  assert.deepEqual(await resolveVerifierFimLayout(deepseekClient, deepseekDrafter.fimMarkers), { layout: undefined, note: undefined });

  const other = await resolveVerifierFimLayout(deepseekClient, qwenDrafter.fimMarkers);
  assert.equal(other.layout?.dialect.name, "deepseek");
  assert.match(other.note ?? "", /deepseek.*not the drafter's qwen <\|fim_prefix\|>/);

  const bare = await resolveVerifierFimLayout(bareClient, qwenDrafter.fimMarkers);
  assert.equal(bare.layout, null);
  assert.match(bare.note ?? "", /^prefix-only prompt: the verifier's tokenizer has no FIM tokens/);
});

test("verifier-only through a Qwen drafter on a DeepSeek llama-server: the prompt text is in DeepSeek's dialect, and the status says so", async () => {
  const engine = await SpeculativeEngine.create({ k: 0, drafter: qwenDrafter, verifier: deepseekClient, protocol: "auto" });
  try {
    const prompt = engine.promptFor("def f(x):\n    return ", "\n");
    assert.ok(prompt.text.startsWith("<｜fim▁begin｜>def f(x):") && prompt.text.endsWith("<｜fim▁hole｜>\n<｜fim▁end｜>"), prompt.text);
    assert.match(engine.promptNote ?? "", /deepseek/);
    const output = await engine.complete({ prefix: "def f(x):\n    return ", suffix: "\n", languageId: "python", maxTokens: 4, signal: new AbortController().signal });
    assert.ok(["maxTokens", "eos"].includes(output.stopReason), output.stopReason);
  } finally {
    await engine.dispose();
  }
});

test("a drafter without FIM tokens sends the prefix alone and the status says so", async () => {
  const engine = await SpeculativeEngine.create({ k: 0, drafter: bareDrafter, verifier: bareClient, protocol: "auto" });
  try {
    assert.equal(engine.promptNote, PREFIX_ONLY_NOTE);
    const prompt = engine.promptFor("def f(x):\n    return ", "\n");
    assert.equal(prompt.fim, false);
    assert.equal(prompt.text, "def f(x):\n    return ");
  } finally {
    await engine.dispose();
  }
});

test("verifier-only without a drafter: the FIM text is in the dialect the verifier reads, or the prefix alone when it reads none", async () => {
  const cases: [VerifierClient, RegExp, RegExp | undefined][] = [
    [deepseekClient, /^<｜fim▁begin｜>def f\(x\):[\s\S]*<｜fim▁hole｜>\n<｜fim▁end｜>$/, undefined],
    [bareClient, /^def f\(x\):\n {4}return $/, /^prefix-only prompt/],
  ];
  for (const [client, text, note] of cases) {
    const engine = await SpeculativeEngine.create({ k: 0, verifier: client, protocol: "auto" });
    try {
      assert.match(engine.promptFor("def f(x):\n    return ", "\n").text, text);
      if (note) assert.match(engine.promptNote ?? "", note);
      else assert.equal(engine.promptNote, undefined);
    } finally {
      await engine.dispose();
    }
  }
});

test("drafting: the same dialect exchanges ids (the shared-tokenizer probe spells the drafter's own markers); another dialect on llama-server, which takes no text drafts, is refused", async () => {
  assert.ok(drafterProbeText(deepseekDrafter).startsWith("<｜fim▁begin｜>"));
  const engine = await SpeculativeEngine.create({ k: 2, drafter: deepseekDrafter, verifier: deepseekClient, protocol: "auto" });
  try {
    assert.equal(engine.mode, "tokenIds");
    assert.equal(engine.promptNote, undefined);
    const prompt = engine.promptFor("def f(x):\n    return ", "\n");
    assert.equal(prompt.tokens[0], deepseek.ids!.prefix);
    assert.equal(prompt.tokens.at(-1), deepseek.ids!.middle);
  } finally {
    await engine.dispose();
  }
  await assert.rejects(SpeculativeEngine.create({ k: 2, drafter: qwenDrafter, verifier: deepseekClient, protocol: "auto" }), TokenizerMismatchError);
});
