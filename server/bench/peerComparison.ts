import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import { importNodeLlamaCpp } from "../llama/sharedLlama.js";
import { loadModel } from "../modelFiles/modelLoader.js";
import { median } from "../profiler/latencyStats.js";
import type { BenchWorkload } from "./benchWorkload.js";
import type { MeasuredCompletion } from "./gridMeasurement.js";
import type { Spread } from "./measuredRow.js";

/** Context size of the in-process peer: the drafter's and the embedded verifier's default. */
const PEER_CONTEXT_SIZE = 2048;

/** How node-llama-cpp's DraftSequenceTokenPredictor is set up. */
export interface PeerVariant {
  name: string;
  /** Options passed to DraftSequenceTokenPredictor; undefined = its defaults. */
  options: { minTokens?: number; maxTokens?: number; minConfidence?: number } | undefined;
}

/** Its defaults (up to 16 drafts, stop below 0.6 confidence) and the same K as our engine, confidence gate off. */
export function peerVariants(k: number): PeerVariant[] {
  return [
    { name: `matched (maxTokens ${k}, minConfidence 0)`, options: { maxTokens: k, minConfidence: 0 } },
    { name: "defaults (maxTokens 16, minConfidence 0.6)", options: undefined },
  ];
}

export interface PeerCompletion {
  promptIndex: number;
  pass: number;
  text: string;
  tokens: number;
  totalMs: number;
  validated: number;
  refuted: number;
}

/** node-llama-cpp's own speculative decoding, in-process: target and drafter contexts of 1 thread each. */
export class InProcessPeer {
  private constructor(
    private readonly target: LlamaModel,
    private readonly draft: LlamaModel,
    private readonly targetContext: LlamaContext,
    private readonly draftContext: LlamaContext,
  ) {}

  /** `variants` sequences per context: each variant keeps its own pair (a disposed sequence's slot frees lazily). */
  static async load(targetPath: string, drafterPath: string, variants: number): Promise<InProcessPeer> {
    const target = await loadModel(targetPath);
    const draft = await loadModel(drafterPath);
    const targetContext = await target.createContext({ contextSize: PEER_CONTEXT_SIZE, sequences: variants, threads: 1 });
    const draftContext = await draft.createContext({ contextSize: PEER_CONTEXT_SIZE, sequences: variants, threads: 1 });
    return new InProcessPeer(target, draft, targetContext, draftContext);
  }

  /** A target sequence with the predictor on a draft sequence of its own, reused across prompts. */
  async session(variant: PeerVariant): Promise<PeerSession> {
    const { DraftSequenceTokenPredictor } = await importNodeLlamaCpp();
    const draftSequence = this.draftContext.getSequence();
    const sequence = this.targetContext.getSequence({ tokenPredictor: new DraftSequenceTokenPredictor(draftSequence, variant.options) });
    return new PeerSession(sequence, draftSequence);
  }

  async dispose(): Promise<void> {
    await this.targetContext.dispose();
    await this.draftContext.dispose();
    await this.target.dispose();
    await this.draft.dispose();
  }
}

export class PeerSession {
  constructor(
    private readonly sequence: LlamaContextSequence,
    private readonly draftSequence: LlamaContextSequence,
  ) {}

  /**
   * One greedy completion of `prompt`, timed from the prompt's last token (the rest is evaluated
   * first, unmeasured, by target and drafter alike: the same prompt-cached steady state our engine
   * is measured in). Stops at end of generation or `maxTokens`.
   */
  async complete(prompt: readonly Token[], maxTokens: number, textOf: (tokens: Token[]) => string): Promise<Omit<PeerCompletion, "promptIndex" | "pass">> {
    await this.sequence.clearHistory();
    await this.draftSequence.clearHistory();
    const before = this.sequence.tokenPredictions;
    await this.sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1) as Token[]);
    const output: Token[] = [];
    const started = performance.now();
    for await (const token of this.sequence.evaluate([prompt[prompt.length - 1]], { temperature: 0 })) {
      output.push(token);
      if (output.length >= maxTokens) break;
    }
    const totalMs = performance.now() - started;
    const after = this.sequence.tokenPredictions;
    return { text: textOf(output), tokens: output.length, totalMs, validated: after.validated - before.validated, refuted: after.refuted - before.refuted };
  }

  dispose(): void {
    this.sequence.dispose();
    this.draftSequence.dispose();
  }
}

export interface PeerVariantResult {
  variant: string;
  goodput: Spread;
  /** Our goodput / the peer's, per pass (same prompts, measured alternately in the same run). */
  goodputRatio: Spread;
  /** validated / (validated + refuted) of its predictions; null when it predicted nothing. */
  predictionAcceptance: number | null;
  /** Completions whose text equals ours. */
  identical: number;
  completions: number;
}

export interface PeerResult {
  drafterId: string;
  k: number;
  ours: { label: string; goodput: Spread; tokensPerRound: number; verifyMsPerRound: number };
  variants: PeerVariantResult[];
  /** Every variant's goodput ≤ ours (median ratio ≥ 1). */
  met: boolean;
}

function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

function rate(group: readonly { tokens: number; totalMs: number }[]): number {
  return (group.reduce((s, c) => s + c.tokens, 0) * 1000) / group.reduce((s, c) => s + c.totalMs, 0);
}

/**
 * Ours against node-llama-cpp's DraftSequenceTokenPredictor on the same target, drafter, K and
 * prompts, pass by pass: our engine over all prompts (through `measureOurs`, the embedded verifier
 * on loopback), then each peer variant over the same prompts. Ratios are per pass.
 */
export async function comparePeer(options: {
  targetPath: string;
  drafter: Drafter;
  drafterPath: string;
  k: number;
  label: string;
  workload: BenchWorkload;
  passes: number;
  measureOurs: (pass: number) => Promise<MeasuredCompletion[]>;
  onProgress?: (message: string) => void;
}): Promise<PeerResult> {
  const { workload, drafter } = options;
  const variants = peerVariants(options.k);
  const peer = await InProcessPeer.load(options.targetPath, options.drafterPath, variants.length);
  const sessions = new Map<string, PeerSession>();
  const ours: MeasuredCompletion[] = [];
  const theirs = new Map<string, PeerCompletion[]>(variants.map((v) => [v.name, []]));
  try {
    for (let pass = 0; pass < options.passes; pass++) {
      options.onProgress?.(`peer pass ${pass + 1}/${options.passes}: ours`);
      ours.push(...(await options.measureOurs(pass)));
      for (const variant of variants) {
        options.onProgress?.(`peer pass ${pass + 1}/${options.passes}: node-llama-cpp ${variant.name}`);
        let session = sessions.get(variant.name);
        if (!session) sessions.set(variant.name, (session = await peer.session(variant)));
        for (const [i, prompt] of workload.prompts.entries()) {
          const done = await session.complete(prompt.tokens, workload.maxTokens, (tokens) => drafter.textAfter(tokens, prompt.tokens));
          theirs.get(variant.name)!.push({ ...done, promptIndex: i, pass });
        }
      }
    }
  } finally {
    for (const session of sessions.values()) session.dispose();
    await peer.dispose();
  }
  const passes = Array.from({ length: options.passes }, (_, p) => p);
  const oursByPass = passes.map((p) => rate(ours.filter((c) => c.pass === p)));
  const results = variants.map((variant): PeerVariantResult => {
    const runs = theirs.get(variant.name)!;
    const peerByPass = passes.map((p) => rate(runs.filter((c) => c.pass === p)));
    const validated = runs.reduce((s, r) => s + r.validated, 0);
    const refuted = runs.reduce((s, r) => s + r.refuted, 0);
    return {
      variant: variant.name,
      goodput: spreadOf(peerByPass),
      goodputRatio: spreadOf(passes.map((p) => oursByPass[p] / peerByPass[p])),
      predictionAcceptance: validated + refuted === 0 ? null : validated / (validated + refuted),
      identical: runs.filter((r) => ours.find((o) => o.pass === r.pass && o.promptIndex === r.promptIndex)?.text === r.text).length,
      completions: runs.length,
    };
  });
  return {
    drafterId: drafter.id,
    k: options.k,
    ours: {
      label: options.label,
      goodput: spreadOf(oursByPass),
      tokensPerRound: ours.reduce((s, c) => s + c.tokens, 0) / Math.max(1, ours.reduce((s, c) => s + c.rounds, 0)),
      verifyMsPerRound: ours.reduce((s, c) => s + c.verifyMs, 0) / Math.max(1, ours.reduce((s, c) => s + c.rounds, 0)),
    },
    variants: results,
    met: results.every((r) => r.goodputRatio.median >= 1),
  };
}
