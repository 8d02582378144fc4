// Verifier-only completions of the real target at seeded line starts (the line removed, the
// cursor where it began, as evaluate-models and the demo choose them), printed as they are: the
// raw text and what the editor would show after the stop rules. Writes nothing; a record for notes.
//   node --import tsx scripts/probe/realSamples.ts [--count 10] [--seed 8] [--corpus DIR] [--max-tokens 48]
import { parseArgs } from "node:util";
import { bundledCorpusDir, readCorpus } from "../../server/corpus/codeCorpus.js";
import { ngramDrafterUri } from "../../server/drafter/drafterSpec.js";
import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import { SpeculativeEngine } from "../../server/engine/speculativeEngine.js";
import { linePositions } from "../../server/modelFiles/familyEvaluation.js";
import { cursorContextOf, postprocessCompletion } from "../../server/postprocess/stopRules.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { startVerifierServer } from "../../server/verifierServer/startVerifierServer.js";
import { realFamily } from "../../test/helpers/realFamily.js";

const { values } = parseArgs({ options: { count: { type: "string", default: "10" }, seed: { type: "string", default: "8" }, corpus: { type: "string" }, "max-tokens": { type: "string", default: "48" } } });
const family = await realFamily();
const server = await startVerifierServer({ modelPath: family.target.absolutePath, slots: 1 });
const client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId, timeoutMs: 120_000 });
// Verifier-only, prompted in the target's own ids (the n-gram drafter only lends its vocabulary here).
const vocabulary = await loadDrafter({ id: "ngram", uriOrPath: ngramDrafterUri(family.target.absolutePath) });
const engine = await SpeculativeEngine.create({ k: 0, drafter: vocabulary, verifier: client, protocol: "auto" });
const corpus = values.corpus ?? bundledCorpusDir();
try {
  for (const position of linePositions(await readCorpus(corpus), Number(values.count), Number(values.seed))) {
    const output = await engine.complete({ prefix: position.prefix, suffix: position.suffix, languageId: "", maxTokens: Number(values["max-tokens"]), signal: new AbortController().signal });
    const shown = postprocessCompletion(output.text, cursorContextOf(position.prefix, position.suffix)).text;
    process.stdout.write(`${position.file}:${position.offset}\n  the file has: ${JSON.stringify(position.expected)}\n  ghost text:   ${JSON.stringify(shown)}\n  raw:          ${JSON.stringify(output.text)}\n`);
  }
} finally {
  await engine.dispose();
  await vocabulary.dispose();
  client.dispose();
  await server.close();
}
