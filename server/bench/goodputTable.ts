import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import { DEFAULT_VERIFIER_PROTOCOL_SETTING } from "../verifier/verifierProtocol.js";
import type { CompletionCut } from "../corpus/codeCorpus.js";
import type { Drafter } from "../drafter/drafter.js";
import type { CompletionStats } from "../completionContract.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import type { VerifierClient } from "../verifier/verifierClient.js";

/** One configuration measured on the whole prompt set. */
export interface GoodputRow {
  /** undefined for verifier-only. */
  drafterId: string | undefined;
  k: number;
  completions: number;
  tokens: number;
  rounds: number;
  drafted: number;
  accepted: number;
  /** accepted / drafted. */
  acceptanceRate: number;
  /** Verified tokens per round, bonus token included. */
  tokensPerRound: number;
  /** Verified tokens per second of completion wall time. */
  goodput: number;
  /** goodput / verifier-only goodput in the same run. */
  speedup: number;
  /** Whether every completion equalled verifier-only's text. */
  exact: boolean;
}

export interface GoodputTableOptions {
  drafters: readonly Drafter[];
  /** A client for the verifier (its `networkDelay` emulates the link). */
  client: VerifierClient;
  prompts: readonly CompletionCut[];
  ks: readonly number[];
  maxTokens: number;
  /**
   * Warm: before each timed completion the verifier and the drafter have already seen its
   * prompt (as when the user keeps typing in a file). Cold: a new position, prompt evaluated
   * by the timed request — with echoed logprobs at every prompt position on the first round.
   */
  warm?: boolean;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

/** Puts the prompt (only) into the verifier's slot cache, with its logprobs, and into the drafter's KV cache. */
async function warmUp(engine: SpeculativeEngine, drafter: Drafter, cut: CompletionCut, options: GoodputTableOptions): Promise<void> {
  const prompt = engine.promptFor(cut.prefix, cut.suffix);
  await cacheOnlyPrompt(engine.cacheVerifier ?? options.client, prompt.tokens, options.signal);
  await drafter.draft(cut.file, prompt.tokens, 1, options.signal);
}

async function measure(engine: SpeculativeEngine, drafter: Drafter, options: GoodputTableOptions) {
  const texts: string[] = [];
  const stats: CompletionStats[] = [];
  for (const cut of options.prompts) {
    if (options.warm) await warmUp(engine, drafter, cut, options);
    const output = await engine.complete({
      prefix: cut.prefix,
      suffix: cut.suffix,
      languageId: "",
      maxTokens: options.maxTokens,
      signal: options.signal ?? new AbortController().signal,
      documentKey: cut.file,
    });
    if (output.stopReason === "aborted") throw options.signal?.reason ?? new Error("aborted");
    texts.push(output.text);
    stats.push(output.stats);
  }
  const total = (pick: (s: CompletionStats) => number) => stats.reduce((sum, s) => sum + pick(s), 0);
  return {
    texts,
    tokens: total((s) => s.tokens),
    rounds: total((s) => s.rounds),
    drafted: total((s) => s.drafted),
    accepted: total((s) => s.accepted),
    ms: total((s) => s.timings.totalMs),
  };
}

/**
 * Verifier-only, then every drafter × K on the same prompts against the same verifier, in one
 * run: acceptance rate, tokens per round and goodput side by side, with exactness checked.
 * Configurations run one after another over all prompts, so each meets the verifier's prefix
 * cache in the same state (the prompts cycle through its slots).
 */
export async function measureGoodputTable(options: GoodputTableOptions): Promise<GoodputRow[]> {
  const baselineEngine = await SpeculativeEngine.create({ k: 0, drafter: options.drafters[0], verifier: options.client, protocol: DEFAULT_VERIFIER_PROTOCOL_SETTING });
  options.onProgress?.("verifier-only");
  const baseline = await measure(baselineEngine, options.drafters[0], options);
  await baselineEngine.dispose();
  const baselineGoodput = (baseline.tokens / baseline.ms) * 1000;
  const rows: GoodputRow[] = [
    {
      drafterId: undefined,
      k: 0,
      completions: options.prompts.length,
      tokens: baseline.tokens,
      rounds: baseline.rounds,
      drafted: 0,
      accepted: 0,
      acceptanceRate: 0,
      tokensPerRound: baseline.tokens / baseline.rounds,
      goodput: baselineGoodput,
      speedup: 1,
      exact: true,
    },
  ];
  for (const drafter of options.drafters) {
    for (const k of options.ks) {
      options.onProgress?.(`${drafter.id} K=${k}`);
      const engine = await SpeculativeEngine.create({ k, drafter, verifier: options.client, protocol: DEFAULT_VERIFIER_PROTOCOL_SETTING });
      try {
        const run = await measure(engine, drafter, options);
        const goodput = (run.tokens / run.ms) * 1000;
        rows.push({
          drafterId: drafter.id,
          k,
          completions: options.prompts.length,
          tokens: run.tokens,
          rounds: run.rounds,
          drafted: run.drafted,
          accepted: run.accepted,
          acceptanceRate: run.drafted === 0 ? 0 : run.accepted / run.drafted,
          tokensPerRound: run.tokens / run.rounds,
          goodput,
          speedup: goodput / baselineGoodput,
          exact: run.texts.every((text, i) => text === baseline.texts[i]),
        });
      } finally {
        await engine.dispose();
      }
    }
  }
  return rows;
}

export function goodputMarkdown(rows: readonly GoodputRow[]): string {
  const lines = [
    "| drafter | K | acceptance | tokens/round | goodput tok/s | vs verifier-only | exact |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.drafterId ?? "verifier-only"} | ${row.k} | ${row.k === 0 ? "–" : row.acceptanceRate.toFixed(3)} | ${row.tokensPerRound.toFixed(2)} | ` +
        `${row.goodput.toFixed(1)} | ${row.speedup.toFixed(2)}× | ${row.exact ? "yes" : "NO"} |`,
    );
  }
  return lines.join("\n");
}
