import type { CompletionCut } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import type { PromptWindowOptions } from "../prompt/completionPrompt.js";
import { TokenizerMismatchError } from "../verifier/protocols/tokenizerMismatchError.js";
import type { VerifierClient } from "../verifier/verifierClient.js";

export interface ExactnessOptions {
  client: VerifierClient;
  drafters: readonly Drafter[];
  prompts: readonly CompletionCut[];
  ks: readonly number[];
  maxTokens: number;
  promptWindow?: PromptWindowOptions;
  signal?: AbortSignal;
  /** Record a speculative completion that throws in `failures` and go on (a probe counting them), instead of throwing. */
  keepGoing?: boolean;
}

export interface ExactnessResult {
  /** Speculative completions compared with verifier-only. */
  compared: number;
  /** One line per completion that differs from verifier-only on the same endpoint. */
  mismatches: string[];
  /** The same, as data: what the speculative completion wrote against verifier-only's text at that prompt. */
  differences: { drafterId: string; k: number; prompt: number; text: string; reference: string }[];
  /** One line per speculative completion that threw (only with `keepGoing`). */
  failures: string[];
  accepted: number;
  drafted: number;
  /** Drafters the endpoint cannot verify (another tokenizer and no text protocol), with the error. */
  unverifiable: { drafterId: string; error: string }[];
  /** Verifier-only's text per drafter (its prompt window counts the drafter's tokens) and prompt. */
  references: Map<string, string[]>;
}

/**
 * Whether speculation on this endpoint gives exactly what the endpoint alone gives: every
 * drafter at every K on every prompt against verifier-only built with the same drafter (so the
 * same prompt), prompt by prompt so the endpoint's cache keeps a prompt for the next K. An engine
 * that is not batch-invariant differs at near-ties; this counts where.
 */
export async function checkExactness(options: ExactnessOptions): Promise<ExactnessResult> {
  const { client, prompts, ks, maxTokens, promptWindow, signal } = options;
  const result: ExactnessResult = { compared: 0, mismatches: [], differences: [], failures: [], accepted: 0, drafted: 0, unverifiable: [], references: new Map() };
  const input = (cut: CompletionCut) => ({ prefix: cut.prefix, suffix: cut.suffix, languageId: "", maxTokens, signal: signal ?? new AbortController().signal, documentKey: cut.file });
  for (const drafter of options.drafters) {
    const engines: { k: number; engine: SpeculativeEngine }[] = [];
    try {
      for (const k of ks) engines.push({ k, engine: await SpeculativeEngine.create({ k, drafter, verifier: client, protocol: "auto", promptWindow, signal }) });
    } catch (error) {
      for (const { engine } of engines) await engine.dispose();
      if (!(error instanceof TokenizerMismatchError)) throw error;
      result.unverifiable.push({ drafterId: drafter.id, error: error.message });
      continue;
    }
    const verifierOnly = await SpeculativeEngine.create({ k: 0, drafter, verifier: client, protocol: "auto", promptWindow, signal });
    const reference: string[] = [];
    try {
      for (const [i, cut] of prompts.entries()) {
        reference.push((await verifierOnly.complete(input(cut))).text);
        for (const { k, engine } of engines) {
          result.compared++;
          let output;
          try {
            output = await engine.complete(input(cut));
          } catch (error) {
            if (!options.keepGoing || signal?.aborted) throw error;
            result.failures.push(`${drafter.id} K=${k} prompt ${i}: ${(error as Error).message}`);
            continue;
          }
          result.accepted += output.stats.accepted;
          result.drafted += output.stats.drafted;
          if (output.text !== reference[i]) {
            result.mismatches.push(`${drafter.id} K=${k} prompt ${i}: ${JSON.stringify(output.text)} ≠ ${JSON.stringify(reference[i])}`);
            result.differences.push({ drafterId: drafter.id, k, prompt: i, text: output.text, reference: reference[i]! });
          }
        }
      }
    } finally {
      await verifierOnly.dispose();
      for (const { engine } of engines) await engine.dispose();
    }
    result.references.set(drafter.id, reference);
  }
  return result;
}
