import { loadDrafter } from "../drafter/loadDrafter.js";
import { absoluteDrafterUri, drafterIdentityFile } from "../drafter/drafterSpec.js";
import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import { getSharedLlama } from "../llama/sharedLlama.js";
import type { NetworkDelayOptions } from "../network/delayedFetch.js";
import { buildCompletionPrompt } from "../prompt/completionPrompt.js";
import { sharesTokenizer } from "../engine/loops/sharedTokenizer.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { acceptanceOrderCheck } from "./acceptanceOrder.js";
import { estimateAcceptanceCurve } from "./acceptanceCurve.js";
import { calibrationCuts, DEFAULT_CALIBRATION_SEED } from "./calibrationPrompts.js";
import { completionLengthOf, measureCompletionLengths } from "./completionLengths.js";
import { firstRoundFit } from "./firstRound.js";
import { DEFAULT_MAX_TOKENS } from "../prediction/conditions.js";
import { drafterSpeedOf, isWarmDraft } from "./drafterSpeed.js";
import { sha256OfFile } from "./fileIdentity.js";
import { describeMachine } from "./machineInfo.js";
import { PowerMeter } from "./power/powerMeter.js";
import { draftingLabel, PowerTally, WAITING_LABEL } from "./powerTally.js";
import { phaseReporter, type ProfileProgressListener } from "./profileProgress.js";
import { PROFILE_SCHEMA_VERSION, type DrafterProfile, type LatencyStats, type PowerProfile, type PriceTable, type Profile, type ProfileInput, type ThreadSpeedPoint } from "../profile/profileSchema.js";
import { isProfileReusable, validityKeyFor, type ValidityKeyParts } from "./profileStore.js";
import { recordRounds, type RoundObservation } from "./recordedRounds.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import { resolveVerifierProtocol } from "../verifier/protocols/protocolResolution.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import { DEFAULT_VERIFIER_PROTOCOL_SETTING, type VerifierProtocolSetting } from "../verifier/verifierProtocol.js";
import { sweepThreads } from "./threadSweep.js";
import { bootstrapProfile } from "./profileBootstrap.js";
import { measureProtocols } from "./protocolTimings.js";
import { measureVerifier, verifierProfileOf } from "./verifierProfile.js";

/** Largest K profiled (the Kmax). */
export const DEFAULT_K_MAX = 10;
/** Rounds walked per calibration prompt and drafter: 80 rounds per drafter with the default 16 prompts (more prompts, fewer rounds each: the prompt is what acceptance varies with). */
export const DEFAULT_ROUNDS_PER_PROMPT = 5;
/** Per verifier request while profiling. */
const PROFILING_TIMEOUT_MS = 60_000;
/** Share of the threads phase's progress the completion-length runs take. */
const LENGTH_SHARE = 0.3;
/** Prompts the K sweep of the verifier uses: short, median and long. */
const SWEEP_PROMPTS = 3;

export interface ProfileDrafterSpec {
  id: string;
  /** A local GGUF path (`hf:` URIs are resolved by the caller first), or `ngram:<vocabulary GGUF>`. */
  path: string;
  /** When already known (the generated family's manifest); otherwise the file is hashed. */
  sha256?: string;
}

export interface ProfileRunOptions {
  drafters: readonly ProfileDrafterSpec[];
  verifier: { baseUrl: string; model: string; apiKey?: string };
  /** The protocol the rounds are verified with, as the setting names it. Default {@link DEFAULT_VERIFIER_PROTOCOL_SETTING}: the cheapest the endpoint answers by token id. */
  protocol?: VerifierProtocolSetting;
  /** What the verifier is for the validity key; default its base URL (an embedded one passes its model's hash: its port changes). */
  verifierIdentity?: string;
  /** Emulated round trip on top of the real one. Default: none. */
  networkDelay?: NetworkDelayOptions;
  prices: PriceTable;
  /** Workspace folder to cut calibration prompts from. Default: the bundled corpus. */
  corpusDir?: string;
  calibrationPrompts?: number;
  roundsPerPrompt?: number;
  /** Default {@link DEFAULT_K_MAX}. */
  kMax?: number;
  /** Budget of the calibration completions run to the stop rules. Default {@link DEFAULT_MAX_TOKENS}. */
  completionMaxTokens?: number;
  /** Thread counts swept. Default 1 and 2 when the machine has 2 or more cores. */
  threadCounts?: readonly number[];
  /** A profile on disk: reused whole when still valid, per drafter when only the drafters changed. */
  previous?: Profile;
  /** Default: PowerMeter.detect(). */
  powerMeter?: PowerMeter;
  signal?: AbortSignal;
  onProgress?: ProfileProgressListener;
}

export interface ProfileRunResult {
  profile: ProfileInput;
  /** `all`: the previous profile was still valid; otherwise the ids of drafters whose results were reused. */
  reused: "all" | string[];
  wallMs: number;
  calibrationSource: string;
  /** Acceptance per drafter and the share of rounds that had to be cold (for the report). */
  notes: string[];
}

interface LoadedDrafter {
  spec: ProfileDrafterSpec & { sha256: string };
  drafter: Drafter;
  loadMs: number;
  prompts: Token[][];
}

/**
 * Profiles drafters against a verifier on this machine and returns the profile the model and the
 * selector consume. Phases: load (load time, memory), verifier (round trip, verify time vs K and
 * context, billing, verifier-only speed), alignment (per-position acceptance and drafting speed
 * from draft–verify walks over calibration prompts), threads (drafting speed per thread count),
 * with power metered call by call throughout. Cancellable between any two calls.
 */
export async function runProfile(options: ProfileRunOptions): Promise<ProfileRunResult> {
  const started = performance.now();
  const { signal } = options;
  const kMax = options.kMax ?? DEFAULT_K_MAX;
  const report = (phase: Parameters<typeof phaseReporter>[1]) => phaseReporter(options.onProgress, phase);
  const prepare = report("prepare");

  prepare(0, "identifying drafters and machine");
  const meter = options.powerMeter ?? (await PowerMeter.detect());
  const ownsMeter = options.powerMeter === undefined;
  try {
    const onBattery = await meter.isOnBattery();
    const machine = describeMachine(onBattery);
    const specs = await Promise.all(
      options.drafters.map(async (d) => {
        const path = absoluteDrafterUri(d.path);
        return { ...d, path, sha256: d.sha256 ?? (await sha256OfFile(drafterIdentityFile(path), signal)) };
      }),
    );
    const keyParts: ValidityKeyParts = {
      drafters: specs.map((d) => ({ id: d.id, uri: d.path, sha256: d.sha256 })),
      verifierBaseUrl: options.verifierIdentity ?? options.verifier.baseUrl,
      verifierModel: options.verifier.model,
      machine,
    };
    const validityKey = validityKeyFor(keyParts);
    const calibration = await calibrationCuts({ corpusDir: options.corpusDir, count: options.calibrationPrompts });
    // Acceptance and completion length depend on the code calibrated on: another corpus is measured again.
    const previous = options.previous?.calibration?.corpus === calibration.source ? options.previous : undefined;
    if (previous && previous.kMax === kMax && isProfileReusable(previous, keyParts)) {
      report("done")(1, "the previous profile is still valid");
      return { profile: previous, reused: "all", wallMs: performance.now() - started, calibrationSource: "reused", notes: [] };
    }
    const reusable = reusableDrafters(previous, keyParts, kMax);

    // Cold calibration prompts (prefill with echoed logprobs) can take longer than a completion's 10 s on a loaded machine.
    const client = new VerifierClient({ baseUrl: options.verifier.baseUrl, model: options.verifier.model, apiKey: options.verifier.apiKey, networkDelay: options.networkDelay, timeoutMs: PROFILING_TIMEOUT_MS });
    const tally = new PowerTally(meter);
    const loaded: LoadedDrafter[] = [];
    try {
      // --- load: the shared Llama first, so the first drafter's load time is its own.
      const load = report("load");
      load(0, "starting llama.cpp");
      await getSharedLlama();
      for (const [i, spec] of specs.entries()) {
        signal?.throwIfAborted();
        load(i / specs.length, `loading ${spec.id}`);
        const t0 = performance.now();
        const drafter = await loadDrafter({ id: spec.id, uriOrPath: spec.path, threads: 1, signal });
        const loadMs = performance.now() - t0;
        const prompts = calibration.cuts.map((cut) => buildCompletionPrompt(cut.prefix, cut.suffix, drafter).tokens);
        loaded.push({ spec, drafter, loadMs, prompts });
      }
      if (loaded.length === 0) throw new RangeError("expected at least one drafter to profile, found none");
      // The profiler verifies drafts by token id: a drafter with another tokenizer (the engine's
      // text loop can still use it) is left out of the profile, and the notes say so.
      const tokenVerifier = await profilingVerifier(client, options.protocol ?? DEFAULT_VERIFIER_PROTOCOL_SETTING, loaded[0].prompts[0], signal);
      const otherTokenizer: string[] = [];
      for (const l of [...loaded]) {
        if (await sharesTokenizer(l.drafter, tokenVerifier, signal)) continue;
        otherTokenizer.push(`${l.spec.id}: left out of the profile — it tokenizes differently from ${options.verifier.model}, and the profiler verifies drafts by token id`);
        loaded.splice(loaded.indexOf(l), 1);
        await l.drafter.dispose();
      }
      if (loaded.length === 0) {
        throw new Error(`the profiler verifies drafts by token id, so a drafter must share the verifier's tokenizer; ${options.verifier.model} tokenizes differently from every one`);
      }

      // --- verifier: with the fastest drafter on short, median and long prompts.
      const fastest = loaded.reduce((a, b) => (a.drafter.facts.parameters <= b.drafter.facts.parameters ? a : b));
      const bySize = fastest.prompts.map((tokens, index) => ({ tokens, index })).sort((a, b) => a.tokens.length - b.tokens.length);
      const sweepPrompts = pickSpread(bySize, SWEEP_PROMPTS).map((p) => ({ documentKey: `calibration-${p.index}`, tokens: p.tokens }));
      const measurements = await measureVerifier({ client, verifier: tokenVerifier, drafter: fastest.drafter, prompts: sweepPrompts, kMax, tally, signal, onProgress: report("verifier") });

      // --- alignment: each prompt walked by every drafter in turn, so the verifier's cache of the prompt serves them all.
      const alignment = report("alignment");
      const toMeasure = loaded.filter((l) => !reusable.has(l.spec.id));
      const rounds = new Map<string, RoundObservation[]>(toMeasure.map((l) => [l.spec.id, []]));
      const roundsByPrompt = new Map<string, RoundObservation[][]>(toMeasure.map((l) => [l.spec.id, []]));
      const roundsPerPrompt = options.roundsPerPrompt ?? DEFAULT_ROUNDS_PER_PROMPT;
      for (const [p] of calibration.cuts.entries()) {
        const ks = alignmentKs(roundsPerPrompt, kMax, p);
        for (const l of toMeasure) {
          alignment(p / calibration.cuts.length, `prompt ${p + 1}/${calibration.cuts.length}: ${l.spec.id}`);
          await tally.measure(WAITING_LABEL, () => cacheOnlyPrompt(tokenVerifier, l.prompts[p], signal));
          const walk = await recordRounds({ drafter: l.drafter, verifier: tokenVerifier, documentKey: `calibration-${p}`, prompt: l.prompts[p], ks, drafterThreads: 1, tally, signal });
          rounds.get(l.spec.id)?.push(...walk);
          roundsByPrompt.get(l.spec.id)?.push(walk);
        }
        for (const l of toMeasure) await l.drafter.forgetDocument(`calibration-${p}`);
      }

      // --- completion length: each calibration prompt completed by the verifier alone under the daemon's stop rules.
      const threadsReport = report("threads");
      const completionMaxTokens = options.completionMaxTokens ?? DEFAULT_MAX_TOKENS;
      const lengthSamples = await measureCompletionLengths({
        client,
        verifier: tokenVerifier,
        cuts: calibration.cuts,
        prompts: calibration.cuts.map((cut) => buildCompletionPrompt(cut.prefix, cut.suffix, fastest.drafter)),
        maxTokens: completionMaxTokens,
        tally,
        signal,
        onProgress: (fraction, message) => threadsReport(fraction * LENGTH_SHARE, message),
      });

      // --- threads: drafting at each thread count inside engine rounds.
      const threadCounts = options.threadCounts ?? (machine.cores >= 2 ? [1, 2] : [1]);
      const shortestPrompt = bySize[0].index;
      const drafters: DrafterProfile[] = [];
      const notes: string[] = [...otherTokenizer];
      for (const [i, l] of loaded.entries()) {
        const old = reusable.get(l.spec.id);
        if (old) {
          drafters.push(old);
          notes.push(`${l.spec.id}: reused from the previous profile`);
          continue;
        }
        threadsReport(LENGTH_SHARE + ((1 - LENGTH_SHARE) * i) / loaded.length, `threads for ${l.spec.id}`);
        const sweep = await sweepThreads({ baseline: l.drafter, uriOrPath: l.spec.path, threadCounts: l.drafter.threadsAdjustable ? threadCounts : [l.drafter.threads], prompt: l.prompts[shortestPrompt], k: kMax, verifier: tokenVerifier, tally, signal });
        const walked = rounds.get(l.spec.id) ?? [];
        drafters.push(drafterProfileOf(l, walked, sweep, kMax, tally.watts(draftingLabel(l.spec.id, 1))));
        const acceptance = estimateAcceptanceCurve(walked, kMax);
        notes.push(`${l.spec.id}: α ${acceptance.pooledAlpha.toFixed(2)} over ${acceptance.rounds} rounds`);
      }
      const alignmentRounds = [...rounds.values()].flat();
      const verifier = verifierProfileOf(measurements, alignmentRounds, { ...options.verifier, protocol: tokenVerifier.protocol });
      // Every exact protocol the endpoint answers, timed cold and cached on one median-length prompt.
      const median = bySize[Math.floor(bySize.length / 2)].tokens;
      const surveyed = await measureProtocols({ client, drafter: fastest.drafter, prompt: median, signal });
      verifier.protocols = surveyed.timings;
      verifier.protocolsMissing = surveyed.missing;
      // The first round at a new cursor position, for the drafters walked in this run (reused ones keep theirs).
      for (const d of drafters) {
        const walks = roundsByPrompt.get(d.id);
        const first = walks ? firstRoundFit(walks, meanLaterTokenMs(rounds.get(d.id) ?? []), verifier.verifyMs.fit) : undefined;
        if (first) d.firstRound = first;
      }
      const completionLength = completionLengthOf(lengthSamples, completionMaxTokens, verifier.rttMs.median, verifier.prefillMs);
      const power = powerProfileOf(meter, tally, options.previous?.power);
      const bootstrap = bootstrapProfile({
        roundsByPrompt,
        drafting: new Map(drafters.map((d) => [d.id, { perTokenMs: meanLaterTokenMs(rounds.get(d.id) ?? []), overheadMs: d.roundOverheadMs }])),
        verifyPoints: verifier.verifyMs.points,
        rttSamplesMs: measurements.rttSamplesMs,
        kMax,
      });
      const ordering = acceptanceOrderCheck(drafters);
      if (ordering) notes.push(ordering);
      const profile: ProfileInput = {
        schemaVersion: PROFILE_SCHEMA_VERSION,
        createdAt: new Date().toISOString(),
        validityKey,
        machine,
        power,
        drafters,
        verifier,
        prices: options.prices,
        kMax,
        // Replicates exist only for drafters measured in this run; reused drafters keep their point estimates.
        bootstrap,
        calibration: { corpus: calibration.source, prompts: calibration.cuts.length, seed: DEFAULT_CALIBRATION_SEED },
        completionLength,
      };
      report("done")(1, "profiled");
      return { profile, reused: [...reusable.keys()], wallMs: performance.now() - started, calibrationSource: calibration.source, notes };
    } finally {
      client.dispose();
      for (const l of loaded) await l.drafter.dispose();
    }
  } finally {
    if (ownsMeter) meter.dispose();
  }
}

/** Drafter results of a previous profile measured against the same verifier on the same machine, by drafter id. */
function reusableDrafters(previous: Profile | undefined, current: ValidityKeyParts, kMax: number): Map<string, DrafterProfile> {
  const reusable = new Map<string, DrafterProfile>();
  if (!previous || previous.kMax !== kMax) return reusable;
  const key = previous.validityKey;
  const sameVerifier = key.verifierBaseUrl === current.verifierBaseUrl && key.verifierModel === current.verifierModel;
  const m = current.machine;
  const sameMachine = key.machine.cpuModel === m.cpuModel && key.machine.cores === m.cores && key.machine.os === m.os && key.machine.arch === m.arch;
  if (!sameVerifier || !sameMachine) return reusable;
  for (const drafter of current.drafters) {
    const was = key.drafters.find((d) => d.id === drafter.id && d.uri === drafter.uri && d.sha256 === drafter.sha256);
    const profiled = previous.drafters.find((d) => d.id === drafter.id);
    if (was && profiled) reusable.set(drafter.id, profiled);
  }
  return reusable;
}

function drafterProfileOf(l: LoadedDrafter, rounds: readonly RoundObservation[], sweep: ThreadSpeedPoint[], kMax: number, draftingWatts: number | undefined): DrafterProfile {
  const facts = l.drafter.facts;
  const acceptance = estimateAcceptanceCurve(rounds, kMax);
  const speed = drafterSpeedOf(rounds);
  const one = sweep.find((p) => p.threads === 1);
  const best = sweep.reduce<ThreadSpeedPoint | undefined>((a, b) => (!a || b.draftMsPerToken.median < a.draftMsPerToken.median ? b : a), undefined);
  // The walks drafted with 1 thread; when another count measured faster, their speeds scale by the sweep's ratio.
  const scale = best && one ? best.draftMsPerToken.median / one.draftMsPerToken.median : 1;
  // Every statistic scaled, the mean included: the model drafts at the mean (dropping it fell back to the median).
  const scaled = (s: LatencyStats): LatencyStats => ({ median: s.median * scale, p90: s.p90 * scale, ...(s.mean === undefined ? {} : { mean: s.mean * scale }) });
  return {
    id: l.spec.id,
    uri: l.spec.path,
    sha256: l.spec.sha256,
    quantization: facts.quantization,
    parameters: facts.parameters,
    layers: facts.layers,
    loadMs: l.loadMs,
    memoryBytes: facts.memoryBytes,
    // Every walk starts cold, so prefill is always observed; the fallback only guards the type.
    prefillTokensPerSecond: speed.prefillTokensPerSecond ?? 1000 / speed.draftMsPerToken.median,
    draftMsPerToken: scaled(speed.draftMsPerToken),
    roundOverheadMs: speed.roundOverheadMs * scale,
    draftMsPerTokenByContext: speed.draftMsPerTokenByContext.map((p) => ({ ...p, draftMsPerToken: scaled(p.draftMsPerToken) })),
    bestThreads: best?.threads ?? 1,
    ...(sweep.length > 0 ? { threadSweep: sweep } : {}),
    ...(draftingWatts === undefined ? {} : { draftingWatts: best?.draftingWatts ?? draftingWatts }),
    acceptanceCurve: acceptance.curve,
    acceptanceSamplesByPosition: acceptance.samplesByPosition,
    acceptanceMean: acceptance.mean,
    samples: acceptance.rounds,
  };
}

function powerProfileOf(meter: PowerMeter, tally: PowerTally, previous: PowerProfile | undefined): PowerProfile {
  const idle = tally.watts(WAITING_LABEL) ?? previous?.idleWatts;
  const drafting = tally.wattsMatching("drafting:") ?? previous?.draftingWatts;
  if (idle === undefined || drafting === undefined) throw new RangeError("expected metered drafting and waiting, found no measurement");
  return { source: meter.kind, idleWatts: idle, draftingWatts: drafting, label: meter.label };
}

/**
 * K of each alignment round: Kmax on even rounds, so every position is tested often, and the
 * other K values in between, so drafting overhead and verify time are observed across the K range
 * the model predicts (the catch-up a round pays grows with the tokens the last one kept).
 */
export function alignmentKs(rounds: number, kMax: number, promptIndex: number): number[] {
  return Array.from({ length: rounds }, (_, r) => (r % 2 === 0 || kMax === 1 ? kMax : 1 + ((((r - 1) / 2) * 3 + promptIndex) % (kMax - 1))));
}

/** `count` items spread evenly over a sorted list (first, middle, last for 3). */
function pickSpread<T>(sorted: readonly T[], count: number): T[] {
  if (sorted.length <= count) return [...sorted];
  return Array.from({ length: count }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (count - 1))]);
}

/** Mean ms per drafted token after the first, over warm rounds (the base the bootstrap's scales are relative to). */
function meanLaterTokenMs(rounds: readonly RoundObservation[]): number {
  const later = rounds.filter(isWarmDraft).flatMap((r) => r.tokenMs.slice(1));
  return later.length > 0 ? later.reduce((a, b) => a + b, 0) / later.length : 0;
}

/** The token protocol the profile's rounds are verified with (the drafters' tokenizer is checked against it after). */
async function profilingVerifier(client: VerifierClient, setting: VerifierProtocolSetting, probeTokens: readonly number[], signal: AbortSignal | undefined): Promise<TokenVerifier> {
  const resolved = await resolveVerifierProtocol({ client, setting, signal, probeTokens: probeTokens.slice(0, 4), sharesTokenizer: async () => true });
  if (resolved.roundVerifier.loop !== "tokenIds") {
    throw new Error(`the profiler verifies drafts by token id, and ${resolved.choice.protocol} (${resolved.choice.reason}) verifies a whole completion; set configspec.verifier.protocol to a token protocol`);
  }
  return resolved.roundVerifier.verifier;
}
