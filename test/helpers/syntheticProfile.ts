import { DEFAULT_PRICE_TABLES } from "../../server/prediction/priceTables.js";
import { ProfileSchema, type Profile, type ProfileInput } from "../../server/profile/profileSchema.js";
import { validityKeyFor } from "../../server/profiler/profileStore.js";

/**
 * A synthetic profile with realistic numbers: an 8-core x86 laptop on battery drafting with
 * four Qwen2.5-Coder-sized GGUF drafters on the CPU, verified by a 32B-class model on a cloud
 * endpoint ~40 ms away. The figures are of the order published for llama.cpp CPU decoding
 * (Q8_0 0.5B ≈ 100 tok/s, Q4_K_M 7B ≈ 10 tok/s on 4 cores) and for serverless 32B decoding
 * (~35 tok/s); acceptance rises with drafter size as it does for same-family drafters.
 * It is shared by the model, selector and chart tests.
 */

export const SYNTHETIC_K_MAX = 12;

interface SyntheticDrafter {
  id: string;
  parameters: number;
  layers: number;
  quantization: string;
  /** ms per drafted token at 1, 2, 4, 8 threads. */
  msByThreads: [number, number, number, number];
  prefillTokensPerSecond: number;
  /** Conditional acceptance at position 1; falls by 0.01 per later position. */
  firstAcceptance: number;
}

export const SYNTHETIC_DRAFTERS: readonly SyntheticDrafter[] = [
  { id: "coder-0.5b-q8", parameters: 494_000_000, layers: 24, quantization: "Q8_0", msByThreads: [24, 13.5, 9, 9.5], prefillTokensPerSecond: 900, firstAcceptance: 0.74 },
  { id: "coder-1.5b-q4", parameters: 1_540_000_000, layers: 28, quantization: "Q4_K_M", msByThreads: [58, 32, 21, 22], prefillTokensPerSecond: 320, firstAcceptance: 0.8 },
  { id: "coder-3b-q4", parameters: 3_090_000_000, layers: 36, quantization: "Q4_K_M", msByThreads: [118, 64, 42, 43], prefillTokensPerSecond: 150, firstAcceptance: 0.84 },
  { id: "coder-7b-q4", parameters: 7_620_000_000, layers: 28, quantization: "Q4_K_M", msByThreads: [270, 145, 95, 96], prefillTokensPerSecond: 60, firstAcceptance: 0.88 },
];

export const SMALLEST_DRAFTER = SYNTHETIC_DRAFTERS[0].id;
export const LARGEST_DRAFTER = SYNTHETIC_DRAFTERS[SYNTHETIC_DRAFTERS.length - 1].id;

const THREADS = [1, 2, 4, 8] as const;
/** Device watts while drafting at 1, 2, 4, 8 threads (laptop package + rest of the system). */
const DRAFTING_WATTS_BY_THREADS = [11, 14, 18, 21] as const;
const IDLE_WATTS = 6;

export interface SyntheticProfileOptions {
  /** Network round trip, ms. Default 40. */
  rttMs?: number;
  onBattery?: boolean | null;
  /** Divides every drafting time: 1 = the 4-core CPU laptop, 3 ≈ an Apple-silicon GPU. Default 1. */
  draftSpeedup?: number;
  /** The verifier the profile says it measured (a daemon applies a profile only to that one). Default a hosted 32B model. */
  verifier?: { baseUrl: string; model: string };
}

function drafter(source: SyntheticDrafter, draftSpeedup: number): ProfileInput["drafters"][number] {
  const spec = { ...source, msByThreads: source.msByThreads.map((ms) => ms / draftSpeedup) };
  const curve = Array.from({ length: SYNTHETIC_K_MAX }, (_, i) => Math.max(0, spec.firstAcceptance - 0.01 * i));
  const best = spec.msByThreads[2];
  return {
    id: spec.id,
    uri: `hf:Qwen/Qwen2.5-Coder-synthetic:${spec.quantization}#${spec.id}`,
    quantization: spec.quantization,
    parameters: spec.parameters,
    layers: spec.layers,
    loadMs: spec.parameters / 2_000_000,
    memoryBytes: Math.round(spec.parameters * (spec.quantization === "Q8_0" ? 1.06 : 0.6)),
    prefillTokensPerSecond: spec.prefillTokensPerSecond,
    draftMsPerToken: { median: best, p90: best * 1.2 },
    roundOverheadMs: 1.5,
    bestThreads: 4,
    threadSweep: THREADS.map((threads, i) => ({
      threads,
      draftMsPerToken: { median: spec.msByThreads[i], p90: spec.msByThreads[i] * 1.2 },
      draftingWatts: DRAFTING_WATTS_BY_THREADS[i],
    })),
    acceptanceCurve: curve,
    acceptanceMean: curve.reduce((a, b) => a + b, 0) / curve.length,
    samples: 400,
  };
}

export function syntheticProfileInput(options: SyntheticProfileOptions = {}): ProfileInput {
  const machine = { cpuModel: "Synthetic 8-core laptop CPU", cores: 8, os: "linux 6.8.0", arch: "x64" };
  const drafters = SYNTHETIC_DRAFTERS.map((spec) => drafter(spec, options.draftSpeedup ?? 1));
  const { baseUrl, model } = options.verifier ?? { baseUrl: "https://verifier.example.com/v1", model: "Qwen/Qwen2.5-Coder-32B-Instruct" };
  const prices = DEFAULT_PRICE_TABLES.find((t) => t.provider === "together");
  if (!prices) throw new Error("the default price tables lost the Together entry");
  const rtt = options.rttMs ?? 40;
  return {
    schemaVersion: 1,
    createdAt: "2025-06-01T12:00:00.000Z",
    validityKey: validityKeyFor({ drafters: drafters.map((d) => ({ id: d.id, uri: d.uri })), verifierBaseUrl: baseUrl, verifierModel: model, machine }),
    machine: { ...machine, totalMemoryBytes: 16 * 1024 ** 3, onBattery: options.onBattery === undefined ? true : options.onBattery },
    power: { source: "battery", idleWatts: IDLE_WATTS, draftingWatts: DRAFTING_WATTS_BY_THREADS[2], label: "synthetic battery" },
    drafters,
    verifier: {
      baseUrl,
      model,
      protocol: "logprobs",
      rttMs: { median: rtt, p90: rtt * 1.5 },
      verifyMs: {
        points: [
          { k: 1, promptTokens: 1024, ms: 40.5 },
          { k: 8, promptTokens: 1024, ms: 51 },
        ],
        fit: { baseMs: 30, perDraftTokenMs: 1.5, perPromptTokenMs: 0.008 },
      },
      billing: {
        points: [{ k: 4, contextTokens: 1024, promptTokens: 1028, cachedTokens: 0, completionTokens: 1 }],
        fit: { cachedInputFraction: 0, inputPerDraftToken: 1, completionBaseTokens: 1, completionPerDraftToken: 0 },
      },
      generateMsPerToken: { median: 28, p90: 34 },
      prefillMs: { baseMs: 50, perPromptTokenMs: 0.05 },
    },
    prices,
    kMax: SYNTHETIC_K_MAX,
  };
}

export function syntheticProfile(options: SyntheticProfileOptions = {}): Profile {
  return ProfileSchema.parse(syntheticProfileInput(options));
}


/** The synthetic profile with replicates: acceptance ±`spread` around the curve, drafting ±`spread`. */
export function withBootstrap(profile: Profile, spread: number, replicates = 40): Profile {
  const drafters = Object.fromEntries(
    profile.drafters.map((d) => [
      d.id,
      {
        acceptanceCurves: Array.from({ length: replicates }, (_, b) => d.acceptanceCurve.map((a) => Math.min(1, Math.max(0, a * (1 + spread * (b / (replicates - 1) - 0.5)))))),
        draftTimeScale: Array.from({ length: replicates }, (_, b) => 1 + spread * (b / (replicates - 1) - 0.5)),
        roundOverheadMs: Array.from({ length: replicates }, () => d.roundOverheadMs),
      },
    ]),
  );
  return {
    ...profile,
    bootstrap: { replicates, seed: 1, calibrationPrompts: 16, drafters, verifier: { verifyFits: Array.from({ length: replicates }, () => profile.verifier.verifyMs.fit), rttMs: Array.from({ length: replicates }, () => profile.verifier.rttMs.median) } },
  };
}
