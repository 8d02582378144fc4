import { roundInputTokens } from "./profileFits.js";
import { DRAFTER_ONLY_CHUNK } from "../engine/loops/singleModelModes.js";
import type { DrafterProfile, LatencyStats, PrefillFit, Profile, VerifyFit } from "../profile/profileSchema.js";
import { usdOf } from "./completionPrice.js";
import { resolveConditions, type Conditions, type ConditionsInput } from "./conditions.js";
import { configurationKind, configurationLabel, type Configuration, type ConfigurationKind } from "./configuration.js";
import { InvalidConfigurationError } from "./invalidConfigurationError.js";
import { completionLengths, firstRoundOf, mixCompletions } from "./completionLength.js";
import type { CompletionEstimate, EnergyBreakdown, Prediction } from "./predictionBreakdown.js";
import { protocolFits } from "./protocolFits.js";

/**
 * The performance model: goodput (verified tokens/s), cost (verified tokens per USD) and
 * energy (verified tokens per joule) of one configuration, from a profile and conditions.
 * Pure arithmetic; every formula names its source.
 *
 * A completion — of the lengths the profile measured under the stop rules, within the budget
 * M = `maxTokens` (completionLength.ts), or of M tokens — is modelled as time and money spent in three places:
 * the drafter (prefill + drafting), the verifier's server (verification, or prefill +
 * generation), and the network (one round trip per request). Goodput, cost and energy are
 * all "per verified token of that completion", so the three kinds of configuration compare.
 */

const MS_PER_SECOND = 1000;

/**
 * Expected tokens one speculative round yields (accepted drafts + the verifier's bonus token)
 * from the conditional per-position acceptance a_i = P(draft i accepted | drafts 1..i−1 accepted):
 *
 *   E[K] = 1 + Σ_{i=1..K} Π_{j≤i} a_j
 *
 * Draft i survives only if drafts 1..i all do, so P(at least i accepted) = Π_{j≤i} a_j, and
 * E[accepted] = Σ_i P(accepted ≥ i); the bonus token adds 1. This generalises Leviathan et al.
 * 2023, "Fast Inference from Transformers via Speculative Decoding", eq. 1 (i.i.d. acceptance α),
 * to a per-position curve; see {@link expectedTokensPerRoundIid} for the closed form.
 */
export function expectedTokensPerRound(acceptanceCurve: readonly number[], k: number): number {
  if (!Number.isInteger(k) || k < 0 || k > acceptanceCurve.length) {
    throw new RangeError(`expected an integer K in 0..${acceptanceCurve.length}, found ${k}`);
  }
  let expected = 1;
  let survival = 1;
  for (let i = 0; i < k; i++) {
    survival *= acceptanceCurve[i];
    expected += survival;
  }
  return expected;
}

/**
 * Leviathan et al. 2023, eq. 1: with every draft accepted independently with probability α,
 * E[K] = (1 − α^(K+1)) / (1 − α)  (= K + 1 when α = 1).
 */
export function expectedTokensPerRoundIid(alpha: number, k: number): number {
  if (alpha === 1) return k + 1;
  return (1 - alpha ** (k + 1)) / (1 - alpha);
}

/** Expected rounds of a completion of M tokens, by the number of drafts each round asked for. */
export interface RoundSchedule {
  /** Index k: expected rounds that drafted k tokens (0..K). */
  roundsAtK: number[];
  rounds: number;
  /** Mean over rounds of the tokens already output when the round starts. */
  meanOutputBefore: number;
  /** Expected tokens output when the loop ends (≥ `stopAt`: the round that passes it keeps all its tokens). */
  tokens: number;
}

/**
 * The rounds a completion of exactly M tokens takes, as the token-ids loop runs them: each round
 * asks for k = min(K, M − output − 1) drafts (the round's own token comes on top), accepts i of
 * them with P(i) = S_i − S_{i+1} (S_i = Π_{j≤i} a_j, S_{k+1} = 0) and outputs i + 1 tokens.
 * A forward pass over the output length n (p[n] = probability a round starts at n) gives the
 * expected rounds per k exactly, where M / E[K] (the steady state) ignores that the last rounds
 * are cut short. `stopAt` < M: a stop rule that ends the text at that token, judged after each
 * round (as the loops ask `shouldStop`), so rounds keep drafting K until one passes it.
 */
export function roundSchedule(acceptanceCurve: readonly number[], k: number, maxTokens: number, stopAt = maxTokens): RoundSchedule {
  const survival = [1];
  for (let i = 0; i < k; i++) survival.push(survival[i] * acceptanceCurve[i]);
  const reach = new Float64Array(maxTokens + 1);
  reach[0] = 1;
  const roundsAtK = Array<number>(k + 1).fill(0);
  let rounds = 0;
  let outputBefore = 0;
  const stop = Math.min(stopAt, maxTokens);
  for (let n = 0; n < stop; n++) {
    const p = reach[n];
    if (p === 0) continue;
    const kr = Math.min(k, maxTokens - n - 1);
    roundsAtK[kr] += p;
    rounds += p;
    outputBefore += p * n;
    for (let i = 0; i <= kr; i++) {
      const accepted = i < kr ? survival[i] - survival[i + 1] : survival[kr];
      reach[n + i + 1] += p * accepted;
    }
  }
  // Run to the budget, every completion ends at exactly M (the sum would only add rounding).
  let tokens = stop >= maxTokens ? maxTokens : 0;
  if (stop < maxTokens) for (let n = stop; n <= maxTokens; n++) tokens += reach[n] * n;
  return { roundsAtK, rounds, meanOutputBefore: rounds > 0 ? outputBefore / rounds : 0, tokens };
}

/** Verifier server time of one round, the profile's fit: base + perDraftToken·K + perPromptToken·context + perDraftContext·K·context. */
export function verifyMsFor(fit: VerifyFit, k: number, contextTokens: number): number {
  return fit.baseMs + fit.perDraftTokenMs * k + fit.perPromptTokenMs * contextTokens + (fit.perDraftContextMs ?? 0) * k * contextTokens;
}

/** Verifier prompt processing (time to first token minus the round trip): base + perPromptToken·prompt. */
export function verifierPrefillMsFor(fit: PrefillFit, promptTokens: number): number {
  return fit.baseMs + fit.perPromptTokenMs * promptTokens;
}

/**
 * Decode ms per token of one timed verifier-only generation (at least two tokens): its wall time
 * less the round trip and the prefill (whose forward pass gives the first token), over the decode
 * steps that follow — the verifier-only formula solved for decode. Dividing by every token
 * charged the first one twice and predicted verifier-only too fast.
 */
export function decodeMsPerTokenOf(call: { ms: number; tokens: number; promptTokens: number }, rttMs: number, prefill: PrefillFit): number {
  if (call.tokens < 2) throw new RangeError(`expected a generation of at least 2 tokens to time decoding, got ${call.tokens}`);
  return Math.max(0, call.ms - rttMs - verifierPrefillMsFor(prefill, call.promptTokens)) / (call.tokens - 1);
}

/**
 * Median ms per drafted token at a thread count and context length: the context buckets
 * (measured at `bestThreads`, linearly interpolated, clamped at the ends) scaled by the thread
 * sweep's ratio to `bestThreads`.
 */
export function draftMsPerTokenFor(drafter: DrafterProfile, threads: number, contextTokens: number): number {
  return draftMsAtContext(drafter, contextTokens) * threadFactor(drafter, threads);
}

/** Device watts while this drafter drafts with these threads: most specific measurement wins. */
export function draftingWattsFor(profile: Profile, drafter: DrafterProfile, threads: number): number {
  const point = drafter.threadSweep?.find((p) => p.threads === threads);
  return point?.draftingWatts ?? drafter.draftingWatts ?? profile.power.draftingWatts;
}

export type { BilledTokens, CompletionEstimate, EnergyBreakdown, Prediction, TimeBreakdown } from "./predictionBreakdown.js";

/**
 * Predicts one configuration under the given conditions. Throws
 * {@link InvalidConfigurationError} for a drafter, K or thread count the profile lacks.
 */
export function predict(profile: Profile, configuration: Configuration, conditionsInput: ConditionsInput = {}): Prediction {
  const conditions = resolveConditions(conditionsInput);
  const kind = configurationKind(configuration);
  const rttMs = conditions.rttMs ?? (conditions.rttPercentile === 90 ? profile.verifier.rttMs.p90 : profile.verifier.rttMs.median);
  const lengths = completionLengths(profile, conditions);
  const completionOf = (stopAt: number): CompletionEstimate =>
    kind === "verifier-only"
      ? verifierOnlyCompletion(profile, conditions, rttMs, stopAt, lengths.source === "stopRules")
      : kind === "drafter-only"
        ? drafterOnlyCompletion(profile, configuration, conditions, stopAt)
        : speculativeCompletion(profile, configuration, conditions, rttMs, stopAt);
  const completion = mixCompletions(lengths.lengths.map(({ tokens, weight }) => ({ completion: completionOf(tokens), weight })));
  return summarize(profile, configuration, kind, conditions.maxTokens, lengths.source, rttMs, completion);
}

/**
 * Speculative decoding, M tokens in R rounds (roundSchedule: the expected count, the last rounds
 * cut short; ≈ M / E[K] away from the end). Each round:
 *   round time = K × draftMsPerToken + roundOverheadMs + verifyMs(K, context) + RTT,
 * so with no drafter prefill goodput = M / (R × round) = E[K] / round time — the speedup model
 * of Leviathan et al. 2023 §3.4 (Theorem 3.8, improvement (1−α^(γ+1)) / ((1−α)(γc+1))) with the
 * verifier's cost split into server time and network; drafting and verifying do not overlap.
 * Context grows as tokens are accepted: the mean over rounds of the output before each round
 * (≈ (M − E[K])/2, exact from roundSchedule) sets drafting and verify speed.
 *
 * Billing per round: the protocol's billing fit (its structure is the protocol module's `bills`,
 * the cached share and extras are measured from `usage`).
 */
function speculativeCompletion(profile: Profile, configuration: Configuration, conditions: Conditions, rttMs: number, stopAt: number): CompletionEstimate {
  const drafter = drafterFor(profile, configuration);
  const { k, threads } = configuration;
  if (k > profile.kMax) throw new InvalidConfigurationError(configurationLabel(configuration), `expected K ≤ kMax = ${profile.kMax}, found ${k}`);
  const M = conditions.maxTokens;
  const schedule = roundSchedule(drafter.acceptanceCurve, k, M, stopAt);
  const rounds = schedule.rounds;
  const context = conditions.promptTokens + schedule.meanOutputBefore;

  const draftMs = draftMsPerTokenFor(drafter, threads, context);
  const { verifyFit: fit, billingFit: billing } = protocolFits(profile, configuration.protocol);
  // Σ over the rounds' K values of each per-round cost (the last rounds draft fewer: see roundSchedule).
  const overRounds = (cost: (k: number) => number) => schedule.roundsAtK.reduce((total, count, kr) => total + (count > 0 ? count * cost(kr) : 0), 0);
  const input = overRounds((kr) => roundInputTokens(billing, context, kr));
  // The first round at a new cursor position: its drafting and verifying extras land in their own terms.
  const first = firstRoundOf(drafter);
  return {
    tokens: schedule.tokens,
    tokensPerRound: schedule.tokens / rounds,
    draftMsPerToken: draftMs,
    contextTokens: context,
    draftedTokens: overRounds((kr) => kr),
    draftCalls: overRounds((kr) => (kr > 0 ? 1 : 0)),
    rounds,
    time: {
      // A round with no drafts left to ask for (the last token) makes no draft call.
      draftMs: drafterPrefillMs(drafter, conditions) + overRounds((kr) => kr * draftMs + (kr > 0 ? drafter.roundOverheadMs : 0)) + first.draftMs,
      verifyMs: overRounds((kr) => verifyMsFor(fit, kr, context)) + first.verifyMs,
      networkMs: rounds * rttMs,
    },
    billed: {
      inputTokens: input,
      cachedTokens: input * billing.cachedInputFraction,
      outputTokens: overRounds((kr) => billing.completionBaseTokens + billing.completionPerDraftToken * kr),
    },
    draftingWatts: draftingWattsFor(profile, drafter, threads),
    firstRoundMs: first.draftMs + first.verifyMs,
    verifierPrefillMs: 0,
  };
}

/**
 * Verifier-only: the M tokens stream from ONE request; the prefill's forward pass yields the first
 * token and M − 1 decode steps the rest, so
 *   time = RTT + prefill(prompt) + (M − 1) × generateMsPerToken,  goodput = M / time;
 * billed: the prompt once (the cached fraction at the cached price) + M output tokens. A stop
 * rule closes the stream at its token (M = stopAt), and under the stop rules the decode speed is
 * the one timed on generations of those lengths where the profile has it.
 */
function verifierOnlyCompletion(profile: Profile, conditions: Conditions, rttMs: number, stopAt: number, atStopLength: boolean): CompletionEstimate {
  const { verifier } = profile;
  const M = stopAt;
  const P = conditions.promptTokens;
  const decode = (atStopLength ? profile.completionLength?.verifierOnlyMsPerToken : undefined) ?? verifier.generateMsPerToken;
  const prefillMs = verifierPrefillMsFor(verifier.prefillMs, P);
  return {
    tokens: M,
    tokensPerRound: M,
    draftMsPerToken: null,
    contextTokens: P,
    draftedTokens: 0,
    draftCalls: 0,
    rounds: 1,
    time: {
      draftMs: 0,
      verifyMs: prefillMs + (M - 1) * meanOf(decode),
      networkMs: rttMs,
    },
    billed: { inputTokens: P, cachedTokens: P * verifier.billing.fit.cachedInputFraction, outputTokens: M },
    draftingWatts: 0,
    firstRoundMs: 0,
    verifierPrefillMs: prefillMs,
  };
}

/**
 * Drafter-only (unverified): M tokens drafted in calls of {@link DRAFTER_ONLY_CHUNK} (the loop
 * checks its stop rules between calls), each call paying the drafter's fixed per-call cost:
 *   time = prefill + M × draftMsPerToken + ⌈M / chunk⌉ × roundOverheadMs;  free.
 * A stop rule at token L is judged after each call: M = min(budget, ⌈L / chunk⌉ × chunk).
 */
function drafterOnlyCompletion(profile: Profile, configuration: Configuration, conditions: Conditions, stopAt: number): CompletionEstimate {
  const drafter = drafterFor(profile, configuration);
  const M = Math.min(conditions.maxTokens, Math.ceil(stopAt / DRAFTER_ONLY_CHUNK) * DRAFTER_ONLY_CHUNK);
  const context = conditions.promptTokens + M / 2;
  const draftMs = draftMsPerTokenFor(drafter, configuration.threads, context);
  const calls = Math.ceil(M / DRAFTER_ONLY_CHUNK);
  return {
    tokens: M,
    tokensPerRound: 1,
    draftMsPerToken: draftMs,
    contextTokens: context,
    draftedTokens: M,
    draftCalls: calls,
    rounds: M,
    time: {
      draftMs: drafterPrefillMs(drafter, conditions) + M * draftMs + calls * drafter.roundOverheadMs * threadFactor(drafter, configuration.threads),
      verifyMs: 0,
      networkMs: 0,
    },
    billed: { inputTokens: 0, cachedTokens: 0, outputTokens: 0 },
    draftingWatts: draftingWattsFor(profile, drafter, configuration.threads),
    firstRoundMs: 0,
    verifierPrefillMs: 0,
  };
}

/**
 * Turns a completion into the three metrics.
 *   cost (USD) = [(input − cached)·inputPrice + cached·cachedPrice + output·outputPrice] / 1e6
 *                + perServerSecond · verifier server seconds (dedicated, GPU-time billed verifiers)
 *   energy (J) = draftingWatts · drafter time + idleWatts · (verifier + network) time
 * each divided by the completion's expected tokens (a ratio of expectations: throughput over many completions).
 */
function summarize(profile: Profile, configuration: Configuration, kind: ConfigurationKind, budgetTokens: number, lengthSource: Prediction["lengthSource"], rttMs: number, completion: CompletionEstimate): Prediction {
  const { time, billed, tokens } = completion;
  const completionMs = time.draftMs + time.verifyMs + time.networkMs;
  const usd = usdOf(profile.prices, { promptTokens: billed.inputTokens, cachedTokens: billed.cachedTokens, completionTokens: billed.outputTokens }, time.verifyMs);
  const energy: EnergyBreakdown = {
    draftingJoules: (completion.draftingWatts * time.draftMs) / MS_PER_SECOND,
    waitingJoules: (profile.power.idleWatts * (time.verifyMs + time.networkMs)) / MS_PER_SECOND,
  };
  const joules = energy.draftingJoules + energy.waitingJoules;
  return {
    configuration,
    kind,
    verified: kind !== "drafter-only",
    tokens,
    budgetTokens,
    lengthSource,
    firstRoundMs: completion.firstRoundMs,
    verifierPrefillMs: completion.verifierPrefillMs,
    tokensPerRound: completion.tokensPerRound,
    rounds: completion.rounds,
    roundMs: completionMs / completion.rounds,
    draftMsPerToken: completion.draftMsPerToken,
    contextTokens: completion.contextTokens,
    draftedTokens: completion.draftedTokens,
    draftCalls: completion.draftCalls,
    completionMs,
    time,
    billed,
    usd,
    energy,
    goodput: (tokens * MS_PER_SECOND) / completionMs,
    usdPerToken: usd / tokens,
    tokensPerUsd: tokens / usd,
    joulesPerToken: joules / tokens,
    tokensPerJoule: tokens / joules,
    rttMs,
  };
}

function drafterFor(profile: Profile, configuration: Configuration): DrafterProfile {
  const drafter = profile.drafters.find((d) => d.id === configuration.drafterId);
  if (!drafter) {
    const known = profile.drafters.map((d) => d.id).join(", ") || "none";
    throw new InvalidConfigurationError(configurationLabel(configuration), `expected one of the profiled drafters (${known}), found ${configuration.drafterId}`);
  }
  return drafter;
}

function drafterPrefillMs(drafter: DrafterProfile, conditions: Conditions): number {
  return (conditions.drafterPrefillTokens / drafter.prefillTokensPerSecond) * MS_PER_SECOND;
}

/**
 * The mean of a timing where the profile has it, else its median (older profiles). A sum of many
 * samples — a completion's drafting or decoding — grows with the mean; on a shared CPU the mean
 * sits well above the median.
 */
function meanOf(stats: LatencyStats): number {
  return stats.mean ?? stats.median;
}

function draftMsAtContext(drafter: DrafterProfile, contextTokens: number): number {
  const buckets = drafter.draftMsPerTokenByContext;
  if (!buckets || buckets.length === 0) return meanOf(drafter.draftMsPerToken);
  if (contextTokens <= buckets[0].contextTokens) return meanOf(buckets[0].draftMsPerToken);
  for (let i = 1; i < buckets.length; i++) {
    const hi = buckets[i];
    if (contextTokens <= hi.contextTokens) {
      const lo = buckets[i - 1];
      const t = (contextTokens - lo.contextTokens) / (hi.contextTokens - lo.contextTokens);
      return meanOf(lo.draftMsPerToken) + t * (meanOf(hi.draftMsPerToken) - meanOf(lo.draftMsPerToken));
    }
  }
  return meanOf(buckets[buckets.length - 1].draftMsPerToken);
}

function threadFactor(drafter: DrafterProfile, threads: number): number {
  if (threads === drafter.bestThreads) return 1;
  const point = drafter.threadSweep?.find((p) => p.threads === threads);
  if (!point) {
    const measured = drafter.threadSweep?.map((p) => p.threads).join(", ") ?? String(drafter.bestThreads);
    throw new InvalidConfigurationError(`${drafter.id} ×${threads}t`, `expected a profiled thread count (${measured}), found ${threads}`);
  }
  // The schema guarantees bestThreads is in the sweep: the ratio is sweep to sweep.
  const best = drafter.threadSweep?.find((p) => p.threads === drafter.bestThreads);
  return point.draftMsPerToken.median / (best ?? point).draftMsPerToken.median;
}
