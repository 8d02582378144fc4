import { fitVerifyMs } from "../prediction/profileFits.js";
import { SeededRandom } from "../util/seededRandom.js";
import type { ProfileBootstrap, VerifyPoint } from "../profile/profileSchema.js";
import { estimateAcceptanceCurve } from "./acceptanceCurve.js";
import { median } from "./latencyStats.js";
import type { RoundObservation } from "./recordedRounds.js";

/** Bootstrap replicates stored in a profile: enough for 10%/90% quantiles, small on disk. */
export const DEFAULT_BOOTSTRAP_REPLICATES = 64;
export const DEFAULT_BOOTSTRAP_SEED = 4242;

export interface BootstrapInput {
  /** Per drafter: the alignment rounds walked on each calibration prompt (index = prompt). */
  roundsByPrompt: ReadonlyMap<string, readonly (readonly RoundObservation[])[]>;
  /** Per drafter: its mean drafting ms per token and per-call overhead on the full set (what replicates are relative to). */
  drafting: ReadonlyMap<string, { perTokenMs: number; overheadMs: number }>;
  verifyPoints: readonly VerifyPoint[];
  rttSamplesMs: readonly number[];
  kMax: number;
  replicates?: number;
  seed?: number;
}

/**
 * The profile's own spread, as replicate parameter sets (Efron & Tibshirani 1993, "An
 * Introduction to the Bootstrap", ch. 6: the nonparametric bootstrap). Acceptance and drafting
 * speed are resampled by calibration prompt — rounds of one prompt are correlated (one file's
 * code), so the prompt is the unit; the verify fit by warm round; the round trip by probe.
 * The model predicts with each replicate; the spread of those predictions is the interval.
 */
export function bootstrapProfile(input: BootstrapInput): ProfileBootstrap {
  const replicates = input.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const random = new SeededRandom(input.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const pick = <T>(items: readonly T[]): T[] => Array.from({ length: items.length }, () => items[Math.floor(random.uniform() * items.length)]);
  const drafters: ProfileBootstrap["drafters"] = {};
  let calibrationPrompts = 0;
  for (const [id, byPrompt] of input.roundsByPrompt) {
    const prompts = byPrompt.filter((rounds) => rounds.length > 0);
    calibrationPrompts = Math.max(calibrationPrompts, prompts.length);
    const base = input.drafting.get(id);
    const out = { acceptanceCurves: [] as number[][], draftTimeScale: [] as number[], roundOverheadMs: [] as number[] };
    for (let b = 0; b < replicates && prompts.length > 0; b++) {
      const rounds = pick(prompts).flat();
      out.acceptanceCurves.push(estimateAcceptanceCurve(rounds, input.kMax).curve.map(round4));
      const speed = draftingOf(rounds);
      out.draftTimeScale.push(round4(base && speed && base.perTokenMs > 0 ? speed.perTokenMs / base.perTokenMs : 1));
      out.roundOverheadMs.push(round4(speed?.overheadMs ?? base?.overheadMs ?? 0));
    }
    drafters[id] = out;
  }
  const verifyFits = [];
  const rttMs = [];
  for (let b = 0; b < replicates; b++) {
    if (input.verifyPoints.length > 0) {
      const fit = fitVerifyMs(pick(input.verifyPoints));
      verifyFits.push({ baseMs: round4(fit.baseMs), perDraftTokenMs: round4(fit.perDraftTokenMs), perPromptTokenMs: fit.perPromptTokenMs, perDraftContextMs: fit.perDraftContextMs });
    }
    if (input.rttSamplesMs.length > 0) rttMs.push(round4(median(pick(input.rttSamplesMs))));
  }
  return { replicates, seed: input.seed ?? DEFAULT_BOOTSTRAP_SEED, calibrationPrompts, drafters, verifier: { verifyFits, rttMs } };
}

/** Mean per-token drafting time (tokens after the first) and mean per-call remainder of warm rounds, as drafterSpeed.ts measures them. */
function draftingOf(rounds: readonly RoundObservation[]): { perTokenMs: number; overheadMs: number } | undefined {
  const warm = rounds.filter((r) => r.drafted > 1 && r.drafterCatchUpTokens <= r.k + 1);
  const later = warm.flatMap((r) => r.tokenMs.slice(1));
  if (later.length === 0) return undefined;
  const perTokenMs = later.reduce((a, b) => a + b, 0) / later.length;
  const overheadMs = Math.max(0, warm.reduce((t, r) => t + r.draftCallMs - r.drafted * perTokenMs, 0) / warm.length);
  return { perTokenMs, overheadMs };
}

function round4(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
