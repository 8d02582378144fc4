// Probe (issue 14, part 3): does the verifier's next-token distribution at a position depend on
// how the evaluation was batched? Same tokens, evaluated several ways; the probabilities after
// the last token are compared bit for bit, with the top-2 margin that a difference could flip.
//   node --import tsx scripts/probe/batchInvariance.ts
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { loadModel } from "../../server/modelFiles/modelLoader.js";
import { modelFamilyFixture } from "../../test/helpers/modelFamilyFixture.js";

const { target } = await modelFamilyFixture();
const model = await loadModel(target.absolutePath);
const text = "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n\nfor i in range(10):\n    print(";
const tokens = model.tokenize(text, true);
const other = model.tokenize("const items = [1, 2, 3];\nconst doubled = items.map((x) => x * 2);\n", true);
console.log(`${tokens.length} tokens`);

type Distribution = Map<Token, number>;

async function last(sequence: LlamaContextSequence, chunk: readonly Token[]): Promise<Distribution> {
  const items = chunk.map((token, i) => (i === chunk.length - 1 ? ([token, { generateNext: { token: true, probabilities: true } }] as const) : token));
  const outputs = await sequence.controlledEvaluate(items as never);
  return outputs[chunk.length - 1]!.next.probabilities!;
}

/** Evaluates `tokens` in chunks of the given sizes on a fresh one-sequence context. */
async function chunked(sizes: number[]): Promise<Distribution> {
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
  try {
    const sequence = context.getSequence();
    let at = 0;
    let result: Distribution | undefined;
    for (const size of sizes) {
      result = await last(sequence, tokens.slice(at, at + size));
      at += size;
    }
    return result!;
  } finally {
    await context.dispose();
  }
}

/** `tokens` on sequence A of a two-sequence context while B evaluates `other` in the same decode (or B first). */
async function withNeighbour(mode: "sameDecode" | "neighbourFirst", sizes: number[]): Promise<Distribution> {
  const context = await model.createContext({ contextSize: 1024, sequences: 2, threads: 1 });
  try {
    const a = context.getSequence();
    const b = context.getSequence();
    if (mode === "neighbourFirst") await b.controlledEvaluate(other.slice(0, 7));
    let at = 0;
    let bAt = mode === "neighbourFirst" ? 7 : 0;
    let result: Distribution | undefined;
    for (const size of sizes) {
      // Both sequences' evaluations are queued before either runs: node-llama-cpp batches them into one decode.
      const [distribution] = await Promise.all([last(a, tokens.slice(at, at + size)), b.controlledEvaluate(other.slice(bAt, bAt + size))]);
      result = distribution;
      at += size;
      bAt += size;
    }
    return result!;
  } finally {
    await context.dispose();
  }
}

function compare(label: string, reference: Distribution, found: Distribution): void {
  const [first, second] = [...reference.entries()];
  let maxRelative = 0;
  for (const [token, p] of reference) maxRelative = Math.max(maxRelative, Math.abs((found.get(token) ?? 0) - p) / p);
  const argmaxSame = [...found.keys()][0] === first[0];
  const identical = maxRelative === 0;
  console.log(
    `${label.padEnd(44)} ${identical ? "bit-identical" : `max rel diff ${maxRelative.toExponential(2)}`}  argmax ${argmaxSame ? "same" : "DIFFERENT"}  (ref top-2 log margin ${(Math.log(first[1]) - Math.log(second[1])).toExponential(2)})`,
  );
}

const n = tokens.length;
const reference = await chunked([n]);
compare("one batch (reference) again", reference, await chunked([n]));
compare("token by token", reference, await chunked(Array.from({ length: n }, () => 1)));
compare("batch n-1, then 1", reference, await chunked([n - 1, 1]));
compare("batch n-2, then 2", reference, await chunked([n - 2, 2]));
compare("batch 10, then n-10", reference, await chunked([10, n - 10]));
compare("batch n-5, then 1,1,1,1,1", reference, await chunked([n - 5, 1, 1, 1, 1, 1]));
compare("2-seq ctx, neighbour in same decode", reference, await withNeighbour("sameDecode", [n]));
compare("2-seq ctx, neighbour's cells first", reference, await withNeighbour("neighbourFirst", [n]));
const steps = [n - 5, 1, 1, 1, 1, 1];
compare("1-by-1 tail alone (n-5, then 1s)", await chunked(steps), await chunked(steps));
compare("1-by-1 tail, neighbour steps merged", await chunked(steps), await withNeighbour("sameDecode", steps));
compare("1-by-1 tail, neighbour's cells first", await chunked(steps), await withNeighbour("neighbourFirst", steps));
await model.dispose();
