// Verify cost per round on a real engine, per protocol it answers: K = 8 at a ~1,000-token
// context, cold (a context no earlier request shared) and cached (the same context, a new
// draft), through the protocols' own round verifiers; and what a round is billed (usage).
// Starts the engine itself on the bundled target. Prints one JSON object per protocol and a
// markdown row for README's compatibility table.
//   node --import tsx scripts/probe/engineRoundCost.ts --engine llama-server|vllm|embedded [--trials 5] [--context 1000] [--k 8]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLlamaServer, startVllm, type RunningEngine } from "../engines/engineProcess.js";
import { bundledCorpusDir } from "../../server/corpus/codeCorpus.js";
import { loadModel } from "../../server/modelFiles/modelLoader.js";
import { chooseVerifierProtocol, detectVerifierProtocols } from "../../server/verifier/protocols/protocolDetection.js";
import { protocolModule } from "../../server/verifier/protocols/protocolModules.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { startVerifierServer } from "../../server/verifierServer/startVerifierServer.js";
import { bundledFamily } from "../../test/helpers/bundledFamily.js";
import { bundledTargetHfDir } from "../../test/helpers/realEngines.js";

const { values } = parseArgs({ options: { engine: { type: "string", default: "llama-server" }, trials: { type: "string", default: "5" }, context: { type: "string", default: "1000" }, k: { type: "string", default: "8" } } });
const TRIALS = Number(values.trials);
const CONTEXT = Number(values.context);
const K = Number(values.k);
const { target } = await bundledFamily();

async function startEngine(kind: string): Promise<RunningEngine> {
  if (kind === "llama-server") return startLlamaServer({ model: target.absolutePath, slots: K + 1 });
  if (kind === "vllm") return startVllm({ modelDir: await bundledTargetHfDir() });
  if (kind === "embedded") {
    const server = await startVerifierServer({ modelPath: target.absolutePath, slots: 1, contextSize: 2048 });
    return { kind: "llama-server", baseUrl: server.baseUrl, model: server.modelId, log: () => "", kill: () => undefined, alive: () => true, stop: () => server.close(), [Symbol.asyncDispose]: () => server.close() };
  }
  throw new Error(`--engine llama-server|vllm|embedded, got ${kind}`);
}

// Tokenized here, not by the engine, so no request warms its cache before the timed ones.
const tokenizer = await loadModel(target.absolutePath);
const files = readdirSync(bundledCorpusDir(), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith(".md"));
const corpus = tokenizer.tokenize(files.map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8")).join("\n"), true) as number[];
let rotation = 0;
/** A context no earlier request shared a prefix with: rotated through the corpus. */
function freshContext(): number[] {
  rotation += 97;
  const start = rotation % (corpus.length - CONTEXT);
  return [...corpus.slice(start, start + CONTEXT), 17 + (rotation % 500)];
}
const draft = (seed: number) => Array.from({ length: K }, (_, i) => 100 + ((seed * 131 + i * 37) % 600));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const engine = await startEngine(values.engine!);
const client = new VerifierClient({ baseUrl: engine.baseUrl, model: engine.model, timeoutMs: 120_000 });
try {
  const detection = await detectVerifierProtocols(client);
  const rows = [];
  for (const protocol of detection.found) {
    // The route the engine itself would take (on llama-server, its native /completion).
    const { variant } = chooseVerifierProtocol(detection, protocol);
    const round = protocolModule(protocol).roundVerifier(client, { variant, sharedTokenizer: true });
    if (round?.loop !== "tokenIds") continue;
    const cold: number[] = [];
    const cached: number[] = [];
    let billed = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const context = freshContext();
      let started = performance.now();
      await round.verifier.verifyDraft({ context, draft: draft(trial) });
      cold.push(performance.now() - started);
      started = performance.now();
      const result = await round.verifier.verifyDraft({ context, draft: draft(trial + 1000) });
      cached.push(performance.now() - started);
      billed = result.stats.usage;
    }
    const row = { engine: values.engine, protocol, variant, k: K, context: CONTEXT, trials: TRIALS, coldMs: median(cold), cachedMs: median(cached), billedPerCachedRound: billed };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  for (const r of rows) {
    console.log(`| ${r.engine} | ${r.protocol}${r.variant ? ` (${r.variant})` : ""} | ${Math.round(r.coldMs)} / ${Math.round(r.cachedMs)} ms | ${r.billedPerCachedRound.promptTokens} in (${r.billedPerCachedRound.cachedTokens} cached) + ${r.billedPerCachedRound.completionTokens} out |`);
  }
} finally {
  await client.dispose();
  await engine.stop();
}
