import type { KeystrokeOutcome } from "./lspTypist.js";
import { isPause, type Keystroke, type TypingRegion } from "./typingScript.js";
import type { VerifierTraffic } from "./latencyProxy.js";

/** One sitting: a region typed with its script, and what each keystroke's request did. */
export interface Sitting {
  region: TypingRegion;
  script: readonly Keystroke[];
  outcomes: readonly KeystrokeOutcome[];
  /** The suggestion an explicit request got at the end of the sitting. */
  settled: string;
}

export interface Percentiles {
  /** Null where that share of pauses saw no suggestion at all (the percentile is "never"). */
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface LosslessCheck {
  /** Pauses where both this configuration and verifier-only showed a suggestion, plus each sitting's settled suggestion. */
  compared: number;
  identical: number;
  /** One is a prefix of the other (a completion cut at a different length; the shared text agrees). */
  prefixOnly: number;
  differing: number;
  examples: { file: string; keystroke: number; shown: string; verifierOnly: string }[];
}

export interface TypingMetrics {
  sittings: number;
  keystrokes: number;
  pauses: number;
  /** Keystroke → suggestion at pauses; pauses with none count as never. */
  latencyMs: Percentiles;
  /** Share of pauses at which a suggestion was shown. */
  shownPerPause: number;
  /** Mean characters of a shown suggestion (at pauses) that match what was typed next. */
  matchedChars: number;
  /** Mean length of a shown suggestion at pauses. */
  suggestionChars: number;
  /** Share of pauses whose suggestion's first line is exactly the next line typed. */
  firstLineMatchShare: number;
  /** Requests that failed (errors, not cancellations). */
  failedRequests: number;
  perHundredChars: {
    verifierCalls: number;
    abandonedVerifierCalls: number;
    promptTokens: number;
    /** Prompt tokens the verifier served from its prefix cache (of `promptTokens`). */
    cachedTokens: number;
    completionTokens: number;
    /** Streams closed once their first line arrived (verifier-only stops there; the rest is background work). */
    streamsClosedEarly: number;
  };
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return Number.isFinite(value) ? Math.round(value) : null;
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return (end === -1 ? text : text.slice(0, end)).trimEnd();
}

/** Pauses of a sitting with what was shown at each. */
function pausesOf(sitting: Sitting) {
  return sitting.script.flatMap((key, index) => {
    if (!isPause(key)) return [];
    const outcome = sitting.outcomes[index];
    const next = sitting.region.target.slice(key.typedLength);
    return [{ index, next, shown: outcome?.outcome === "shown" ? (outcome.text ?? "") : undefined, latencyMs: outcome?.latencyMs }];
  });
}

export function typingMetricsOf(sittings: readonly Sitting[], traffic: VerifierTraffic): TypingMetrics {
  const latencies: number[] = [];
  let matched = 0;
  let chars = 0;
  let shown = 0;
  let firstLineMatches = 0;
  let keystrokes = 0;
  let failed = 0;
  for (const sitting of sittings) {
    keystrokes += sitting.script.length;
    failed += sitting.outcomes.filter((o) => o.outcome === "failed").length;
    for (const pause of pausesOf(sitting)) {
      if (pause.shown === undefined || pause.latencyMs === undefined) {
        latencies.push(Number.POSITIVE_INFINITY);
        continue;
      }
      shown++;
      latencies.push(pause.latencyMs);
      matched += commonPrefixLength(pause.shown, pause.next);
      chars += pause.shown.length;
      const line = firstLine(pause.shown);
      if (line !== "" && line === firstLine(pause.next)) firstLineMatches++;
    }
  }
  latencies.sort((a, b) => a - b);
  const pauses = latencies.length;
  const per100 = (n: number) => (keystrokes === 0 ? 0 : Math.round((1000 * n) / keystrokes) / 10);
  return {
    sittings: sittings.length,
    keystrokes,
    pauses,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99) },
    shownPerPause: pauses === 0 ? 0 : shown / pauses,
    matchedChars: shown === 0 ? 0 : matched / shown,
    suggestionChars: shown === 0 ? 0 : chars / shown,
    firstLineMatchShare: pauses === 0 ? 0 : firstLineMatches / pauses,
    failedRequests: failed,
    perHundredChars: {
      verifierCalls: per100(traffic.calls),
      abandonedVerifierCalls: per100(traffic.abandoned),
      promptTokens: per100(traffic.promptTokens),
      cachedTokens: per100(traffic.cachedTokens),
      completionTokens: per100(traffic.completionTokens),
      streamsClosedEarly: per100(traffic.streamsClosedEarly),
    },
  };
}

/** Compares what two configurations showed at the same pauses of the same sittings (same seeds). */
export function losslessCheckOf(sittings: readonly Sitting[], reference: readonly Sitting[]): LosslessCheck {
  const check: LosslessCheck = { compared: 0, identical: 0, prefixOnly: 0, differing: 0, examples: [] };
  for (const [s, sitting] of sittings.entries()) {
    const other = reference[s];
    if (!other) continue;
    const theirs = new Map<number, string | undefined>(pausesOf(other).map((p) => [p.index, p.shown]));
    theirs.set(-1, other.settled);
    for (const pause of [...pausesOf(sitting), { index: -1, shown: sitting.settled }]) {
      const reference = theirs.get(pause.index);
      // Nothing shown on one side (a settled request that failed or came back empty) compares nothing.
      if (!pause.shown || !reference) continue;
      check.compared++;
      if (pause.shown === reference) check.identical++;
      else if (pause.shown.startsWith(reference) || reference.startsWith(pause.shown)) check.prefixOnly++;
      else {
        check.differing++;
        if (check.examples.length < 5) check.examples.push({ file: sitting.region.file, keystroke: pause.index, shown: pause.shown, verifierOnly: reference });
      }
    }
  }
  return check;
}
