import { after } from "node:test";
import type { CompletionCut } from "../../../../server/corpus/codeCorpus.js";
import { Drafter } from "../../../../server/drafter/drafter.js";
import { SpeculativeEngine } from "../../../../server/engine/speculativeEngine.js";
import { TokenizerMismatchError } from "../../../../server/verifier/protocols/tokenizerMismatchError.js";
import { VerifierClient } from "../../../../server/verifier/verifierClient.js";
import type { RunningEngine } from "../../../../scripts/engines/engineProcess.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { completeGrid, completionInput, corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW, type GridOutcome, type NamedEngine } from "../../../helpers/speculativeFixture.js";

// The lossless suite against a real engine: every bundled drafter × K 1/2/4/8 × PROMPTS real
// code positions, each compared with verifier-only *on the same engine* (protocol auto).
// CI runs 12 prompts; CONFIGSPEC_LOSSLESS_PROMPTS=50 runs the closing figures.

export const LOSSLESS_KS = [1, 2, 4, 8];
export const LOSSLESS_PROMPTS = Number(process.env.CONFIGSPEC_LOSSLESS_PROMPTS ?? 12);

export interface EngineGrid extends GridOutcome {
  engines: number;
  prompts: number;
  /** Drafters the engine cannot verify (another tokenizer and no text protocol), with the error they got. */
  unverifiable: { drafterId: string; error: string }[];
  /** Verifier-only's text per drafter (its prompt window) and prompt. */
  references: Map<string, string[]>;
  cuts: CompletionCut[];
}

/** A client for a real engine: cold prefills on a shared 2-core machine can take seconds. */
export function engineClient(engine: RunningEngine): VerifierClient {
  const client = new VerifierClient({ baseUrl: engine.baseUrl, model: engine.model, timeoutMs: 120_000 });
  after(() => client.dispose());
  return client;
}

/** The bundled drafters, loaded once for the file. */
export async function bundledDrafters(): Promise<Drafter[]> {
  const family = await bundledFamily();
  const drafters: Drafter[] = [];
  for (const entry of family.drafters) drafters.push(await Drafter.load({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 }));
  after(async () => {
    for (const drafter of drafters) await drafter.dispose();
  });
  return drafters;
}

/**
 * Each drafter's engines at every K against verifier-only built with the same drafter (the
 * prompt window counts the drafter's tokens, so a drafter with another tokenizer cuts another
 * prompt), prompt by prompt so the engine's cache keeps each prompt for the next K.
 */
export async function losslessGrid(client: VerifierClient, drafters: readonly Drafter[], prompts = LOSSLESS_PROMPTS): Promise<EngineGrid> {
  const cuts = await corpusPrompts(prompts, REFERENCE_SEED);
  const grid: EngineGrid = { mismatches: [], accepted: 0, drafted: 0, engines: 0, prompts: cuts.length, unverifiable: [], references: new Map(), cuts };
  for (const drafter of drafters) {
    const probe = await SpeculativeEngine.create({ k: 1, drafter, verifier: client, protocol: "auto" }).catch((error: unknown) => {
      if (!(error instanceof TokenizerMismatchError)) throw error;
      grid.unverifiable.push({ drafterId: drafter.id, error: error.message });
      return undefined;
    });
    if (!probe) continue;
    await probe.dispose();
    const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW });
    const reference: string[] = [];
    try {
      for (const cut of cuts) reference.push((await verifierOnly.complete(completionInput(cut, REFERENCE_MAX_TOKENS))).text);
    } finally {
      await verifierOnly.dispose();
    }
    grid.references.set(drafter.id, reference);
    const engines: NamedEngine[] = [];
    try {
      for (const k of LOSSLESS_KS) {
        engines.push({ name: `${drafter.id} K=${k}`, engine: await SpeculativeEngine.create({ k, drafter, verifier: client, protocol: "auto", promptWindow: TEST_PROMPT_WINDOW }) });
      }
      const outcome = await completeGrid(engines, cuts, reference, REFERENCE_MAX_TOKENS);
      grid.mismatches.push(...outcome.mismatches);
      grid.accepted += outcome.accepted;
      grid.drafted += outcome.drafted;
      grid.engines += engines.length;
    } finally {
      for (const { engine } of engines) await engine.dispose();
    }
  }
  return grid;
}
