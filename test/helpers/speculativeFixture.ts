import { loadDrafter } from "../../server/drafter/loadDrafter.js";
import type { VerifierProtocolSetting } from "../../server/verifier/verifierProtocol.js";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after } from "node:test";
import { bundledCorpusDir, cutCompletionPrompts, readCorpus, type CompletionCut } from "../../server/corpus/codeCorpus.js";
import type { Drafter } from "../../server/drafter/drafter.js";
import type { CompletionInput, CompletionOutput } from "../../server/completionContract.js";
import { SpeculativeEngine, type SpeculativeEngineOptions } from "../../server/engine/speculativeEngine.js";
import { PREFIX_CUT_BYTE_STEP, PREFIX_CUT_TOKEN_STEP, PREFIX_WINDOW_LINE_STEP, type PromptWindowOptions } from "../../server/prompt/completionPrompt.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { startVerifierServer, type VerifierServer } from "../../server/verifierServer/startVerifierServer.js";
import { modelFamilyFixture, type ModelFamilyFixture } from "./modelFamilyFixture.js";

/**
 * A smaller prompt window than the product's default keeps each round's echoed prompt short,
 * so hundreds of completions fit in a test; exactness does not depend on the window.
 */
export const TEST_PROMPT_WINDOW: PromptWindowOptions = { prefixLines: 24, suffixLines: 8, maxPrefixTokens: 192, maxSuffixTokens: 64 };

export interface SpeculativeFixture {
  family: ModelFamilyFixture;
  server: VerifierServer;
  /** Every drafter of the family, loaded once for the test file. */
  drafters: Drafter[];
  /** The verifier settings for an engine talking to `server`. */
  verifier: { baseUrl: string; model: string; protocol: VerifierProtocolSetting };
  /** A client of `server`, shared by the engines (disposed when the file ends). */
  client: VerifierClient;
  /**
   * An engine on a loaded drafter and the shared client (`null`: without that part; neither is
   * disposed with the engine), verifying by echo-logprobs unless told; disposed when the file ends.
   */
  engine(options: Partial<Omit<SpeculativeEngineOptions, "drafter" | "verifier">> & { k: number; drafter?: Drafter | null; verifier?: VerifierClient | null }): Promise<SpeculativeEngine>;
}

/** The real embedded verifier on the family's target and every drafter, for one test file (call it at the top level). */
export async function speculativeFixture(): Promise<SpeculativeFixture> {
  const family = await modelFamilyFixture();
  const server = await startVerifierServer({ modelPath: family.target.absolutePath, slots: 2 });
  const drafters: Drafter[] = [];
  for (const entry of family.drafters) drafters.push(await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 }));
  const engines: SpeculativeEngine[] = [];
  after(async () => {
    for (const engine of engines) await engine.dispose();
    for (const drafter of drafters) await drafter.dispose();
    client.dispose();
    await server.close();
  });
  const verifier = { baseUrl: server.baseUrl, model: server.modelId, protocol: "echo-logprobs" as VerifierProtocolSetting };
  const client = new VerifierClient({ baseUrl: server.baseUrl, model: server.modelId });
  return {
    family,
    server,
    drafters,
    verifier,
    client,
    async engine({ drafter, verifier: verifierClient, ...options }) {
      const engine = await SpeculativeEngine.create({
        protocol: verifier.protocol,
        promptWindow: TEST_PROMPT_WINDOW,
        ...options,
        drafter: drafter === null ? undefined : (drafter ?? drafters[0]),
        verifier: verifierClient === null ? undefined : (verifierClient ?? client),
      });
      engines.push(engine);
      return engine;
    },
  };
}

/** Completion prompts cut at seeded random offsets of the bundled corpus (real code, six languages). */
export async function corpusPrompts(count: number, seed: number): Promise<CompletionCut[]> {
  return cutCompletionPrompts(await readCorpus(bundledCorpusDir()), count, seed);
}

export function completionInput(cut: CompletionCut, maxTokens: number, extra: Partial<CompletionInput> = {}): CompletionInput {
  return { prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens, signal: new AbortController().signal, documentKey: cut.file, ...extra };
}

/** The verifier-only reference the lossless suites compare against: 50 real code positions, 24 tokens each. */
export const REFERENCE_PROMPTS = 50;
export const REFERENCE_SEED = 20261129;
export const REFERENCE_MAX_TOKENS = 24;
/** Per-request timeout while computing the reference, ms. */
const REFERENCE_TIMEOUT_MS = 120_000;

export interface VerifierOnlyReference {
  prompts: CompletionCut[];
  /** The verifier's own greedy output at each prompt. */
  texts: string[];
}

/**
 * The verifier alone on {@link REFERENCE_PROMPTS} corpus prompts, computed once and kept next
 * to the generated family (keyed by the target's hash, the prompts and the window), so every
 * lossless suite compares against the same reference without decoding it again.
 */
export async function verifierOnlyReference(fixture: SpeculativeFixture): Promise<VerifierOnlyReference> {
  const prompts = await corpusPrompts(REFERENCE_PROMPTS, REFERENCE_SEED);
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        target: fixture.family.target.sha256,
        seed: REFERENCE_SEED,
        maxTokens: REFERENCE_MAX_TOKENS,
        window: TEST_PROMPT_WINDOW,
        // How the window moves while typing decides the prompts too.
        steps: [PREFIX_WINDOW_LINE_STEP, PREFIX_CUT_TOKEN_STEP, PREFIX_CUT_BYTE_STEP],
        prompts: prompts.map((p) => [p.file, p.offset]),
      }),
    )
    .digest("hex")
    .slice(0, 16);
  const path = join(fixture.family.dir, `verifier-only-reference-${key}.json`);
  if (existsSync(path)) return { prompts, texts: JSON.parse(await readFile(path, "utf8")) as string[] };
  // A loaded 2-core machine can take longer than the client's 10 s default for a cold request;
  // the reference is about the output, not the latency.
  const client = new VerifierClient({ baseUrl: fixture.verifier.baseUrl, model: fixture.verifier.model, timeoutMs: REFERENCE_TIMEOUT_MS });
  after(() => client.dispose());
  const verifierOnly = await fixture.engine({ k: 0, verifier: client });
  const texts: string[] = [];
  for (const cut of prompts) texts.push((await verifierOnly.complete(completionInput(cut, REFERENCE_MAX_TOKENS))).text);
  // Written aside and renamed: a concurrent test file never reads half a reference.
  const staging = `${path}.${process.pid}.tmp`;
  await writeFile(staging, JSON.stringify(texts));
  await rename(staging, path);
  return { prompts, texts };
}

export interface NamedEngine {
  name: string;
  engine: SpeculativeEngine;
}

export interface GridOutcome {
  /** One line per (engine, prompt) whose text differs from the reference. */
  mismatches: string[];
  accepted: number;
  drafted: number;
}

/**
 * Every engine on every prompt against the verifier-only reference: prompt by prompt, every
 * engine in turn, so the verifier's slot keeps the prompt for the next engine (engine by engine,
 * the prompts cycle through its slots and every completion is cold). `check` sees each output.
 */
export async function completeGrid(engines: readonly NamedEngine[], prompts: readonly CompletionCut[], reference: readonly string[], maxTokens: number, check?: (output: CompletionOutput) => void): Promise<GridOutcome> {
  const outcome: GridOutcome = { mismatches: [], accepted: 0, drafted: 0 };
  for (const [i, cut] of prompts.entries()) {
    for (const { name, engine } of engines) {
      const output = await engine.complete(completionInput(cut, maxTokens));
      if (output.text !== reference[i]) outcome.mismatches.push(`${name} prompt ${i}: ${JSON.stringify(output.text)} ≠ ${JSON.stringify(reference[i])}`);
      check?.(output);
      outcome.accepted += output.stats.accepted;
      outcome.drafted += output.stats.drafted;
    }
  }
  return outcome;
}
