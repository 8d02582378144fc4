import { configurationKind, verifierOnlyConfiguration, type Configuration } from "../prediction/configuration.js";
import { predictFirstLineMs, type FirstLineConditions } from "../prediction/firstLineLatency.js";
import type { Profile } from "../profile/profileSchema.js";

/**
 * Where drafting on the device pays, by network round trip: every speculative round pays one
 * RTT, verifier-only streaming pays one per line, so speculation's first line loses more with
 * each millisecond of RTT and pays only below a break-even RTT (which is 0 where the verifier
 * streams a line faster than any drafter can help even on loopback). Co-located speculation
 * (the drafter beside the target, llama-server `--model-draft`) pays no RTT per round; this is
 * the window an edge drafter has against it and against verifier-only.
 */
export interface DrafterWindow {
  drafterId: string;
  /** Largest RTT (ms) at which the drafter's best configuration shows the first line sooner than verifier-only; 0: at no RTT; Infinity: at every RTT. */
  paysBelowRttMs: number;
  /** The drafter's best first line and verifier-only's at each RTT of the grid. */
  points: WindowPoint[];
}

export interface WindowPoint {
  rttMs: number;
  /** The drafter's best configuration (over K, threads, protocol) at this RTT. */
  best: Configuration;
  speculativeMs: number;
  verifierOnlyMs: number;
}

export interface SpeculationWindow {
  drafters: DrafterWindow[];
  /** Largest break-even RTT over the drafters: below it some drafter pays. */
  paysBelowRttMs: number;
}

/** RTTs the window is drawn at: loopback, LAN, region, cross-continent. */
export const WINDOW_RTTS_MS = [0, 10, 25, 50, 75, 100, 150, 200] as const;
/** Past this, an RTT is "every RTT": nobody types through a 2-second round trip. */
const MAX_WINDOW_RTT_MS = 2000;
const BISECTION_STEPS = 30;

type WindowConditions = Omit<FirstLineConditions, "rttMs">;

export function speculationWindow(
  profile: Profile,
  configurations: readonly Configuration[],
  conditions: WindowConditions = {},
  rtts: readonly number[] = WINDOW_RTTS_MS,
): SpeculationWindow {
  const verifierOnlyMs = (rttMs: number) => predictFirstLineMs(profile, verifierOnlyConfiguration(), { ...conditions, rttMs });
  const byDrafter = new Map<string, Configuration[]>();
  for (const configuration of configurations) {
    if (configurationKind(configuration) !== "speculative" || configuration.drafterId === null) continue;
    byDrafter.set(configuration.drafterId, [...(byDrafter.get(configuration.drafterId) ?? []), configuration]);
  }
  const drafters = [...byDrafter].map(([drafterId, candidates]): DrafterWindow => {
    const bestAt = (rttMs: number) => {
      let best = { configuration: candidates[0], ms: Infinity };
      for (const configuration of candidates) {
        const ms = predictFirstLineMs(profile, configuration, { ...conditions, rttMs });
        if (ms < best.ms) best = { configuration, ms };
      }
      return best;
    };
    // Speculation's lead shrinks as RTT grows (≥ 1 round trip per line against exactly 1), so the rounds that pay form [0, break-even).
    const pays = (rttMs: number) => bestAt(rttMs).ms < verifierOnlyMs(rttMs);
    let paysBelowRttMs: number;
    if (!pays(0)) paysBelowRttMs = 0;
    else if (pays(MAX_WINDOW_RTT_MS)) paysBelowRttMs = Infinity;
    else {
      let [low, high] = [0, MAX_WINDOW_RTT_MS];
      for (let step = 0; step < BISECTION_STEPS; step++) {
        const middle = (low + high) / 2;
        if (pays(middle)) low = middle;
        else high = middle;
      }
      paysBelowRttMs = low;
    }
    const points = rtts.map((rttMs) => {
      const best = bestAt(rttMs);
      return { rttMs, best: best.configuration, speculativeMs: best.ms, verifierOnlyMs: verifierOnlyMs(rttMs) };
    });
    return { drafterId, paysBelowRttMs, points };
  });
  return { drafters, paysBelowRttMs: Math.max(0, ...drafters.map((d) => d.paysBelowRttMs)) };
}

/** "speculation pays below RTT 40 ms" / "does not pay at any RTT" / "pays at every RTT", for reason lines. */
export function windowText(window: SpeculationWindow, measuredRttMs: number): string {
  const limit = window.paysBelowRttMs;
  if (window.drafters.length === 0) return "no drafter is profiled";
  if (limit === 0) return "speculation does not pay at any RTT on this endpoint: verifier-only streams the first line sooner even on loopback (co-located speculation, a drafter beside the verifier, is the way to speed it up)";
  if (!Number.isFinite(limit)) return "speculation pays at every RTT on this endpoint";
  const where = measuredRttMs < limit ? "inside" : "outside";
  return `speculation pays below RTT ${Math.round(limit)} ms on this endpoint; the measured ${Math.round(measuredRttMs)} ms is ${where} that window`;
}
