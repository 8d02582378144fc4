import type { Prediction } from "./performanceModel.js";

/**
 * Splits measured completions into the performance model's terms and sets each beside what the
 * model predicted for it, so a biased term can be told from noise. Every term is reported twice:
 * as its own unit (ms per drafted token, ms per round, tokens per round) and as ms per verified
 * token, the share of 1000 / goodput it accounts for — the per-token shares add up to the whole
 * completion on both sides, so the term whose share differs is the one that moves goodput.
 */

/** The model's terms (see performanceModel.ts for each formula). */
export const TERMS = [
  "draftPerToken",
  "draftPerCall",
  "verify",
  "rtt",
  "loop",
  "firstRound",
  "prefill",
  "completion",
] as const;
export type Term = (typeof TERMS)[number];

export const TERM_DESCRIPTIONS: Readonly<Record<Term, string>> = {
  draftPerToken: "drafting, per drafted token (ms/token)",
  draftPerCall: "drafting, fixed per draft call: catch-up, KV trim, setup (ms/call)",
  verify: "verifier server time per request, vs K and context (ms/request)",
  rtt: "network round trip per request (ms/request)",
  loop: "between calls in a round: the loop's own work (ms/round)",
  firstRound: "first round at a new cursor position: extra over a later round (ms/completion)",
  prefill: "verifier prefill of verifier-only's stream: first bytes less the round trip (ms/request)",
  completion: "outside the rounds: prompt building, drafter prefill (ms/completion)",
};

export interface TermFigures {
  /** In the term's own unit (TERM_DESCRIPTIONS); NaN where the term does not apply. */
  predicted: number;
  measured: number;
  /** ms per verified token the term accounts for. */
  predictedMsPerToken: number;
  measuredMsPerToken: number;
}

export interface Decomposition {
  terms: Record<Term, TermFigures>;
  /** Tokens per completion: the expected length under the stop rules (or the budget) vs measured. */
  completionTokens: { predicted: number; measured: number };
  /** Share of the verification rounds' input the verifier served from its prefix cache: the billing fit's vs the rounds' `usage`. */
  cachedShare: { predicted: number; measured: number };
  /** E[tokens per request] from the acceptance curve vs measured tokens / requests. */
  tokensPerRound: { predicted: number; measured: number };
  /** Mean context (tokens before the drafts) the prediction assumed vs the rounds saw. */
  contextTokens: { predicted: number; measured: number };
  /** ms per verified token, all terms: 1000 / goodput. */
  totalMsPerToken: { predicted: number; measured: number };
  completions: number;
  tokens: number;
}

/** What the decomposition reads of a completion's calls (profiler/callTrace.ts records it). */
export interface TracedCompletion {
  startMs: number;
  endMs: number;
  drafts: readonly { startMs: number; endMs: number; contextTokens: number; tokenMs: readonly number[] }[];
  verifierCalls: readonly {
    startMs: number;
    endMs: number;
    kind: "verify" | "generate";
    contextTokens: number;
    /** A stream's first body bytes. */
    firstByteMs?: number;
    stats?: { usage: { promptTokens: number; cachedTokens: number } };
  }[];
}

export interface MeasuredCompletion {
  trace: TracedCompletion;
  /** Verified (or, drafter-only, drafted) tokens the completion produced. */
  tokens: number;
}

/**
 * Decomposes one configuration's measured completions. `rttMs`: the round trip measured alongside
 * them (the same probe as the profile's), so verifier server time is call time minus it on both sides.
 */
export function decomposeCompletions(prediction: Prediction, completions: readonly MeasuredCompletion[], rttMs: number): Decomposition {
  const M = prediction.tokens;
  const tokens = sum(completions.map((c) => c.tokens));
  const perToken = (ms: number) => (tokens > 0 ? ms / tokens : NaN);

  const drafts = completions.flatMap((c) => c.trace.drafts);
  const calls = completions.flatMap((c) => c.trace.verifierCalls);
  const laterTokens = drafts.flatMap((d) => d.tokenMs.slice(1));
  const draftedTokens = sum(drafts.map((d) => d.tokenMs.length));
  const measuredPerToken = laterTokens.length > 0 ? mean(laterTokens) : NaN;
  const draftWall = sum(drafts.map((d) => d.endMs - d.startMs));
  const perTokenShare = Number.isFinite(measuredPerToken) ? draftedTokens * measuredPerToken : 0;
  const callWall = sum(calls.map((c) => c.endMs - c.startMs));

  // Rounds: a draft call and the verification after it (speculative), or a draft call (drafter-only), or the one generation.
  const firstExtras: number[] = [];
  let loopMs = 0;
  let outsideMs = 0;
  for (const { trace } of completions) {
    const spans = roundSpans(trace);
    const walls = spans.map((s) => s.end - s.start);
    if (walls.length >= 2) firstExtras.push(walls[0] - mean(walls.slice(1)));
    if (spans.length === 0) {
      outsideMs += trace.endMs - trace.startMs;
      continue;
    }
    // From the first call to the last: the loop's own work between and around calls (gaps between rounds included).
    const inCalls = sum(trace.drafts.map((d) => d.endMs - d.startMs)) + sum(trace.verifierCalls.map((c) => c.endMs - c.startMs));
    const loopSpan = spans[spans.length - 1].end - spans[0].start;
    loopMs += loopSpan - inCalls;
    outsideMs += trace.endMs - trace.startMs - loopSpan;
  }
  const requests = calls.length;
  const rounds = prediction.kind === "drafter-only" ? drafts.length : requests;
  // The first round's extra is inside the call and loop figures above: reported apart, not added twice.
  const firstExtra = firstExtras.length > 0 ? mean(firstExtras) : NaN;

  const predictedRounds = prediction.rounds;
  const predictedCalls = prediction.draftCalls;
  const predictedPerToken = prediction.draftMsPerToken ?? NaN;
  const predictedDraftedPerCompletion = prediction.draftedTokens;
  const predictedPerCall = prediction.kind === "verifier-only" ? NaN : predictedCalls > 0 ? (prediction.time.draftMs - predictedDraftedPerCompletion * predictedPerToken) / predictedCalls : 0;
  const predictedRequests = prediction.kind === "drafter-only" ? 0 : predictedRounds;
  const predictedVerify = predictedRequests > 0 ? prediction.time.verifyMs / predictedRequests : NaN;
  const predictedRtt = predictedRequests > 0 ? prediction.rttMs : NaN;
  // Drafter prefill is 0 in the steady state validate measures (conditions.drafterPrefillTokens = 0); prompt building is not modelled.
  const predictedPrefill = 0;
  const perM = (ms: number) => ms / M;

  const networkMs = requests * rttMs;
  const prefills = calls.flatMap((c) => (c.kind === "generate" && c.firstByteMs !== undefined ? [c.firstByteMs - c.startMs - rttMs] : []));
  const billedRounds = calls.filter((c) => c.kind === "verify" && (c.stats?.usage.promptTokens ?? 0) > 0);
  const measuredCached = sum(billedRounds.map((c) => c.stats?.usage.cachedTokens ?? 0)) / sum(billedRounds.map((c) => c.stats?.usage.promptTokens ?? 0));
  const verifyMs = callWall - networkMs;
  const terms: Record<Term, TermFigures> = {
    draftPerToken: {
      predicted: predictedPerToken,
      measured: measuredPerToken,
      predictedMsPerToken: perM(predictedDraftedPerCompletion * (predictedPerToken || 0)),
      measuredMsPerToken: perToken(perTokenShare),
    },
    draftPerCall: {
      predicted: predictedPerCall,
      measured: drafts.length > 0 ? (draftWall - perTokenShare) / drafts.length : NaN,
      predictedMsPerToken: perM(predictedCalls * (predictedPerCall || 0)),
      measuredMsPerToken: perToken(draftWall - perTokenShare),
    },
    verify: {
      predicted: predictedVerify,
      measured: requests > 0 ? verifyMs / requests : NaN,
      predictedMsPerToken: perM(prediction.time.verifyMs),
      measuredMsPerToken: perToken(verifyMs),
    },
    rtt: {
      predicted: predictedRtt,
      measured: requests > 0 ? rttMs : NaN,
      predictedMsPerToken: perM(prediction.time.networkMs),
      measuredMsPerToken: perToken(networkMs),
    },
    loop: {
      predicted: 0,
      measured: rounds > 0 ? loopMs / rounds : NaN,
      predictedMsPerToken: 0,
      measuredMsPerToken: perToken(loopMs),
    },
    prefill: {
      predicted: prediction.kind === "verifier-only" ? prediction.verifierPrefillMs : NaN,
      measured: prefills.length > 0 ? mean(prefills) : NaN,
      // Inside the verify term on both sides.
      predictedMsPerToken: 0,
      measuredMsPerToken: 0,
    },
    firstRound: {
      predicted: prediction.kind === "speculative" ? prediction.firstRoundMs : NaN,
      measured: firstExtra,
      // Inside the other terms already: a share of 0 on both sides keeps the totals honest.
      predictedMsPerToken: 0,
      measuredMsPerToken: 0,
    },
    completion: {
      predicted: predictedPrefill,
      measured: completions.length > 0 ? outsideMs / completions.length : NaN,
      predictedMsPerToken: perM(predictedPrefill),
      measuredMsPerToken: perToken(outsideMs),
    },
  };
  const contexts = [...drafts.map((d) => d.contextTokens), ...calls.filter((c) => c.kind === "verify").map((c) => c.contextTokens)];
  const totalMs = sum(completions.map((c) => c.trace.endMs - c.trace.startMs));
  return {
    terms,
    completionTokens: { predicted: M, measured: completions.length > 0 ? tokens / completions.length : NaN },
    cachedShare: {
      predicted: prediction.kind === "speculative" && prediction.billed.inputTokens > 0 ? prediction.billed.cachedTokens / prediction.billed.inputTokens : NaN,
      measured: billedRounds.length > 0 ? measuredCached : NaN,
    },
    // Drafter-only's "round" here is a draft call (a chunk), on both sides.
    tokensPerRound: { predicted: prediction.kind === "drafter-only" ? M / prediction.draftCalls : prediction.tokensPerRound, measured: rounds > 0 ? tokens / rounds : NaN },
    contextTokens: { predicted: predictedContext(prediction), measured: contexts.length > 0 ? mean(contexts) : NaN },
    totalMsPerToken: { predicted: 1000 / prediction.goodput, measured: perToken(totalMs) },
    completions: completions.length,
    tokens,
  };
}

/** Mean context the model used (prompt + half the completion; see performanceModel.ts). */
function predictedContext(prediction: Prediction): number {
  return prediction.contextTokens;
}

/** Each round's span: a draft call through the verification that follows it, or a lone call. */
function roundSpans(trace: TracedCompletion): { start: number; end: number }[] {
  const events = [
    ...trace.drafts.map((d) => ({ kind: "draft" as const, start: d.startMs, end: d.endMs })),
    ...trace.verifierCalls.map((c) => ({ kind: "verify" as const, start: c.startMs, end: c.endMs })),
  ].sort((a, b) => a.start - b.start);
  const spans: { start: number; end: number }[] = [];
  let open: { start: number; end: number } | undefined;
  for (const e of events) {
    if (e.kind === "draft") {
      if (open) spans.push(open);
      open = { start: e.start, end: e.end };
    } else if (open) {
      spans.push({ start: open.start, end: e.end });
      open = undefined;
    } else {
      spans.push({ start: e.start, end: e.end });
    }
  }
  if (open) spans.push(open);
  return spans;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : sum(values) / values.length;
}
