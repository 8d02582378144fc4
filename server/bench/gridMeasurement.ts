import { DEFAULT_VERIFIER_PROTOCOL_SETTING } from "../verifier/verifierProtocol.js";
import type { Drafter } from "../drafter/drafter.js";
import type { CompletionStopReason } from "../completionContract.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import { usdOf } from "../prediction/completionPrice.js";
import { configurationKind, configurationLabel, type Configuration } from "../prediction/configuration.js";
import type { PowerMeter } from "../profiler/power/powerMeter.js";
import type { PriceTable } from "../profile/profileSchema.js";
import { cacheOnlyPrompt } from "../verifier/protocols/echoLogprobsProtocol.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import type { BenchWorkload } from "./benchWorkload.js";

/** One measured completion of one configuration. */
export interface MeasuredCompletion {
  promptIndex: number;
  pass: number;
  text: string;
  stopReason: CompletionStopReason;
  tokens: number;
  rounds: number;
  drafted: number;
  accepted: number;
  /** Wall time of the completion, ms. */
  totalMs: number;
  /** Drafting + verifier + emulated network time the engine recorded: what zero overhead would take. */
  componentMs: number;
  /** Verifier calls as the client timed them (HTTP, server, parsing), emulated delay excluded. */
  verifyMs: number;
  /** Priced with the condition's price table. */
  usd: number;
  /** Device energy over the completion (power meter). */
  joules: number;
}

export interface GridMeasurementOptions {
  configurations: readonly Configuration[];
  /** Loaded drafters by id (1 thread each), shared by every configuration of that drafter. */
  drafters: ReadonlyMap<string, Drafter>;
  client: VerifierClient;
  workload: BenchWorkload;
  prices: PriceTable;
  meter: PowerMeter;
  /** Passes over the prompts. Default 1. */
  passes?: number;
  /** Number of the first pass (results of several calls are merged). Default 0. */
  firstPass?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Verifier-only engines send the prompt as token ids built by this drafter (the family shares the tokenizer). */
function anyDrafter(drafters: ReadonlyMap<string, Drafter>): Drafter {
  const first = drafters.values().next();
  if (first.done) throw new RangeError("expected at least one loaded drafter, found none");
  return first.value;
}

async function engineFor(configuration: Configuration, drafters: ReadonlyMap<string, Drafter>, client: VerifierClient): Promise<SpeculativeEngine> {
  const kind = configurationKind(configuration);
  if (kind === "verifier-only") return SpeculativeEngine.create({ k: 0, drafter: anyDrafter(drafters), verifier: client, tokenExchange: "ids", protocol: DEFAULT_VERIFIER_PROTOCOL_SETTING });
  const drafter = drafters.get(configuration.drafterId ?? "");
  if (!drafter) throw new RangeError(`expected drafter ${configuration.drafterId} to be loaded, found ${[...drafters.keys()].join(", ")}`);
  if (kind === "drafter-only") return SpeculativeEngine.create({ k: 1, drafter, protocol: DEFAULT_VERIFIER_PROTOCOL_SETTING });
  // The configuration's protocol when the selector compared several; absent, `auto` finds the one the profiler measured with.
  return SpeculativeEngine.create({ k: configuration.k, drafter, verifier: client, tokenExchange: "ids", protocol: configuration.protocol ?? DEFAULT_VERIFIER_PROTOCOL_SETTING });
}

/**
 * Runs every configuration on every prompt, side by side: prompt by prompt, each configuration in
 * turn (in an order rotated per prompt and pass, so none always runs first after a warm-up), so
 * machine noise from other processes falls on all of them alike. Before the configurations of a
 * prompt, every drafter they use drafts once after it and the verifier caches it; before each completion
 * the verifier's cache is reset to exactly the prompt. Each completion thus starts in the steady
 * state the model predicts — the prompt cached from the previous keystroke — as validateProfile does.
 * Returns the completions by configuration label.
 */
export async function measureGrid(options: GridMeasurementOptions): Promise<Map<string, MeasuredCompletion[]>> {
  const { configurations, drafters, client, workload, prices, meter, signal } = options;
  const passes = options.passes ?? 1;
  const firstPass = options.firstPass ?? 0;
  const results = new Map<string, MeasuredCompletion[]>(configurations.map((c) => [configurationLabel(c), []]));
  const engines: SpeculativeEngine[] = [];
  try {
    for (const c of configurations) engines.push(await engineFor(c, drafters, client));
    // Only the drafters these configurations draft with are warmed (a prefill of the prompt each).
    const used = [...drafters.values()].filter((d) => configurations.some((c) => c.drafterId === d.id));
    const total = passes * workload.prompts.length * configurations.length;
    let done = 0;
    for (let pass = firstPass; pass < firstPass + passes; pass++) {
      for (const [i, prompt] of workload.prompts.entries()) {
        const documentKey = `bench-${i}`;
        for (const drafter of used) await drafter.draft(documentKey, prompt.tokens, 1, signal);
        const rotation = (i * 7 + pass * 3) % configurations.length;
        for (let j = 0; j < configurations.length; j++) {
          signal?.throwIfAborted();
          const index = (j + rotation) % configurations.length;
          const configuration = configurations[index];
          const label = configurationLabel(configuration);
          options.onProgress?.(done++, total, `${label}, prompt ${i + 1}/${workload.prompts.length}, pass ${pass + 1}`);
          if (configuration.verified) await cacheOnlyPrompt(engines[index].cacheVerifier ?? client, prompt.tokens, signal);
          const input = {
            prefix: prompt.cut.prefix,
            suffix: prompt.cut.suffix,
            languageId: prompt.language,
            maxTokens: workload.maxTokens,
            signal: signal ?? new AbortController().signal,
            documentKey,
          };
          const { result, power } = await meter.measure(() => engines[index].complete(input));
          if (result.stopReason === "aborted") throw signal?.reason ?? new Error("aborted");
          const { stats } = result;
          results.get(label)!.push({
            promptIndex: i,
            pass,
            text: result.text,
            stopReason: result.stopReason,
            tokens: stats.tokens,
            rounds: stats.rounds,
            drafted: stats.drafted,
            accepted: stats.accepted,
            totalMs: stats.timings.totalMs,
            componentMs: stats.timings.draftMs + stats.timings.verifyMs + stats.timings.networkMs,
            verifyMs: stats.timings.verifyMs,
            usd: configuration.verified ? usdOf(prices, stats.usage, stats.timings.verifyMs) : 0,
            joules: power.joules,
          });
        }
        for (const drafter of used) await drafter.forgetDocument(documentKey);
      }
    }
    return results;
  } finally {
    for (const engine of engines) await engine.dispose();
  }
}
