import { z } from "zod";
import { VerifierProtocolSchema } from "../verifier/verifierProtocol.js";
import { CalibrationSourceSchema, CompletionLengthSchema, FirstRoundSchema, ThreadTimingSchema } from "./workloadTerms.js";

/**
 * The profile: everything the profiler measured that the model needs to predict goodput,
 * cost and energy. Written by the profiler, read back by the model and the selector; a
 * file on disk, so it is parsed with this schema and never trusted (see profileStore.ts).
 *
 * Units are in the field names: `Ms` milliseconds, `Watts`, `Bytes`, `PerMillion` USD per
 * 1 000 000 tokens. Timings are medians over repeated measurements with their p90.
 */

/** Bumped on any incompatible change: a profile of another version is re-measured. */
export const PROFILE_SCHEMA_VERSION = 1;

const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();
const probability = z.number().finite().min(0).max(1);
const count = z.number().int().nonnegative();

/**
 * A measured duration: median and 90th percentile of the samples (p90 ≥ median), and their mean
 * where the model needs it (a sum of many samples, such as a completion's drafting time, grows
 * with the mean; absent in older profiles, which then fall back to the median).
 */
export const LatencyStatsSchema = z
  .object({ median: nonNegative, p90: nonNegative, mean: nonNegative.optional() })
  .refine((s) => s.p90 >= s.median, { message: "p90 must be at least the median" });
export type LatencyStats = z.infer<typeof LatencyStatsSchema>;

export const MachineSchema = z.object({
  /** `os.cpus()[0].model`. */
  cpuModel: z.string(),
  /** Logical cores (`os.availableParallelism()`). */
  cores: z.number().int().positive(),
  /** `${os.platform()} ${os.release()}`. */
  os: z.string(),
  arch: z.string(),
  totalMemoryBytes: count.optional(),
  /** Whether the machine ran on battery while profiled; null when it cannot be told. */
  onBattery: z.boolean().nullable(),
});
export type Machine = z.infer<typeof MachineSchema>;

/** Where the watts came from; `estimate` means no meter was readable (CPU time × per-core watts). */
export const PowerSourceKindSchema = z.enum(["rapl", "battery", "ioreg", "wmi", "estimate"]);
export type PowerSourceKind = z.infer<typeof PowerSourceKindSchema>;

export const PowerProfileSchema = z.object({
  source: PowerSourceKindSchema,
  /** Whole-device draw while waiting on the network/verifier (not an increment over idle). */
  idleWatts: nonNegative,
  /** Whole-device draw while drafting with the profiled drafter and threads. */
  draftingWatts: nonNegative,
  /** Human-readable meter description, e.g. "RAPL package-0" or "estimate: 5 W/core + 8 W". */
  label: z.string(),
});
export type PowerProfile = z.infer<typeof PowerProfileSchema>;

/** Drafting speed at one context length (tokens already in the drafter's context). */
export const ContextSpeedPointSchema = z.object({
  contextTokens: count,
  draftMsPerToken: LatencyStatsSchema,
});
export type ContextSpeedPoint = z.infer<typeof ContextSpeedPointSchema>;

/** Drafting speed at one thread count (the profiler's thread sweep). */
export const ThreadSpeedPointSchema = z.object({
  threads: z.number().int().positive(),
  draftMsPerToken: LatencyStatsSchema,
  /** Device draw while drafting at this thread count, when it was metered separately. */
  draftingWatts: nonNegative.optional(),
  /** Where it was timed; absent in older profiles (a short isolated sweep). */
  measuredIn: ThreadTimingSchema.optional(),
});
export type ThreadSpeedPoint = z.infer<typeof ThreadSpeedPointSchema>;

export const DrafterProfileSchema = z.object({
  id: z.string().min(1),
  /** Local path or `hf:` URI the drafter was loaded from. */
  uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  quantization: z.string().min(1),
  /** 0 for a model-free drafter. */
  parameters: z.number().int().nonnegative(),
  layers: z.number().int().nonnegative(),
  loadMs: nonNegative,
  memoryBytes: count,
  /** Prompt processing speed (batched), used for the drafter's share of a cold prompt. */
  prefillTokensPerSecond: positive,
  /** Per drafted token at `bestThreads` and the profiling context length. */
  draftMsPerToken: LatencyStatsSchema,
  /** Fixed drafting cost per round (sampling setup, KV trim, one extra eval), 0 if not profiled. */
  roundOverheadMs: nonNegative.default(0),
  /** The same speed per context-length bucket, ascending; the model interpolates between them. */
  draftMsPerTokenByContext: z.array(ContextSpeedPointSchema).optional(),
  bestThreads: z.number().int().positive(),
  /** Every thread count measured; when absent only `bestThreads` is a valid configuration. */
  threadSweep: z.array(ThreadSpeedPointSchema).optional(),
  /** Device draw while this drafter drafts; overrides `power.draftingWatts` when metered per drafter. */
  draftingWatts: nonNegative.optional(),
  /**
   * Conditional per-position greedy acceptance: index i holds
   * P(draft token i+1 accepted | draft tokens 1..i accepted). Length `kMax`.
   */
  acceptanceCurve: z.array(probability).min(1),
  /** Rounds that reached each position (index i: rounds in which tokens 1..i were accepted). */
  acceptanceSamplesByPosition: z.array(count).optional(),
  /** Unconditional mean: accepted draft tokens / drafted tokens over the profiling run. */
  acceptanceMean: probability,
  /** Verification rounds observed for the curve. */
  samples: count,
  /** The first round at a new cursor position over a later one; absent in older profiles (no first-round term). */
  firstRound: FirstRoundSchema.optional(),
});
export type DrafterProfile = z.infer<typeof DrafterProfileSchema>;

// How a round is verified: defined once, with the protocols (older stored names still read).
export { VerifierProtocolSchema, type VerifierProtocol } from "../verifier/verifierProtocol.js";

/** One measured verification: server time (wall time minus the measured round trip). */
export const VerifyPointSchema = z.object({
  k: count,
  /** Tokens before the drafts (prompt + tokens accepted so far). */
  promptTokens: count,
  ms: nonNegative,
});
export type VerifyPoint = z.infer<typeof VerifyPointSchema>;

/**
 * Least-squares fit of the points: ms ≈ baseMs + perDraftTokenMs·k + perPromptTokenMs·promptTokens
 * + perDraftContextMs·k·promptTokens. The last term is attention: each of the k new positions
 * attends over the whole context, so a draft token costs more in a long file (an additive fit
 * charges that cost to every K). Absent in older profiles: 0.
 */
export const VerifyFitSchema = z.object({
  baseMs: nonNegative,
  perDraftTokenMs: nonNegative,
  perPromptTokenMs: nonNegative,
  perDraftContextMs: nonNegative.optional(),
});
export type VerifyFit = z.infer<typeof VerifyFitSchema>;

/** Token counts one verification round was billed for (the response's `usage`). */
export const BilledRoundSchema = z.object({
  k: count,
  /** Tokens before the drafts that the request carried (prompt + accepted so far). */
  contextTokens: count,
  /** `usage.prompt_tokens`: all billed input, cached included. */
  promptTokens: count,
  cachedTokens: count,
  completionTokens: count,
});
export type BilledRound = z.infer<typeof BilledRoundSchema>;

/**
 * Billing per round as a function of K, fitted from the measured rounds:
 * input tokens = context + inputPerDraftToken·K (1 when the drafts go as input, 0 when they go as
 * a prediction), of which cachedInputFraction were billed at the cached price;
 * completion tokens = completionBaseTokens + completionPerDraftToken·K.
 */
export const BillingFitSchema = z.object({
  cachedInputFraction: probability,
  inputPerDraftToken: nonNegative,
  completionBaseTokens: nonNegative,
  completionPerDraftToken: nonNegative,
  /**
   * Extra copies of the context per draft token: 1 for a protocol whose K+1 prompts each carry
   * the whole context (input = context·(1 + K) + K(K+1)/2); 0 (absent) otherwise.
   */
  contextCopiesPerDraftToken: nonNegative.optional(),
  /** Input tokens per K² (such K+1 prompts' draft prefixes: ½); 0 (absent) otherwise. */
  inputPerDraftTokenSquared: nonNegative.optional(),
});
export type BillingFit = z.infer<typeof BillingFitSchema>;

/** The verifier's time to first token minus the round trip: prompt processing. */
export const PrefillFitSchema = z.object({ baseMs: nonNegative, perPromptTokenMs: nonNegative });
export type PrefillFit = z.infer<typeof PrefillFitSchema>;

/** One protocol the endpoint answered, timed on the same rounds (profiler/protocolTimings.ts). */
export const ProtocolTimingSchema = z.object({
  protocol: VerifierProtocolSchema,
  /** For a protocol with several routes: which one answered. */
  variant: z.string().optional(),
  k: count,
  contextTokens: count,
  /** The first round at a new context (nothing cached): wall ms of the request, round trip included. */
  coldMs: nonNegative,
  /** Median wall ms of the rounds after it (the context cached). */
  verifyMsPerRound: nonNegative,
});
export type ProtocolTiming = z.infer<typeof ProtocolTimingSchema>;

export const VerifierProfileSchema = z.object({
  baseUrl: z.url(),
  model: z.string().min(1),
  protocol: VerifierProtocolSchema,
  /** Network round trip (a minimal request's wall time minus its server time). */
  rttMs: LatencyStatsSchema,
  /** Every round-trip probe, ms: the distribution (median, p90, jitter) the model predicts at. */
  rttSamplesMs: z.array(nonNegative).optional(),
  verifyMs: z.object({ points: z.array(VerifyPointSchema), fit: VerifyFitSchema }),
  billing: z.object({ points: z.array(BilledRoundSchema), fit: BillingFitSchema }),
  /** Verifier-only streaming decode speed (inter-token time). */
  generateMsPerToken: LatencyStatsSchema,
  prefillMs: PrefillFitSchema,
  /** Every exact protocol the endpoint answered, with its verify ms per round; absent in older profiles. */
  protocols: z.array(ProtocolTimingSchema).optional(),
  /** The protocols it did not answer, each with what was missing. */
  protocolsMissing: z.array(z.string()).optional(),
});
export type VerifierProfile = z.infer<typeof VerifierProfileSchema>;

/** Prices used for the cost model: list prices in USD per 1 000 000 tokens (and per server second). */
export const PriceTableSchema = z.object({
  provider: z.string().min(1),
  model: z.string().min(1),
  inputPerMillion: nonNegative,
  cachedInputPerMillion: nonNegative,
  outputPerMillion: nonNegative,
  /**
   * USD per second of verifier server time, for dedicated deployments billed by GPU time
   * rather than per token; 0 (the default) for per-token serverless APIs.
   */
  perServerSecond: nonNegative.default(0),
  /** When the prices were read (YYYY-MM or YYYY-MM-DD): list prices change. */
  asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  source: z.string(),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * What the profile was measured for. If any part differs (another model file, verifier,
 * or machine) the profile is not reused; `hash` is sha256 of the canonical parts.
 */
export const ValidityKeySchema = z.object({
  drafters: z.array(z.object({ id: z.string(), uri: z.string(), sha256: z.string().optional() })),
  verifierBaseUrl: z.string(),
  verifierModel: z.string(),
  machine: z.object({ cpuModel: z.string(), cores: z.number().int(), os: z.string(), arch: z.string() }),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ValidityKey = z.infer<typeof ValidityKeySchema>;

/**
 * The profile's own spread as bootstrap replicates (profiler/profileBootstrap.ts): per drafter,
 * acceptance curves and drafting speed resampled by calibration prompt; the verify fit by round;
 * the round trip by probe. Absent in older profiles: predictions then have no interval.
 */
export const ProfileBootstrapSchema = z.object({
  replicates: z.number().int().positive(),
  seed: z.number().int(),
  /** Calibration prompts resampled (sets how much wider a held-back set's interval is). */
  calibrationPrompts: count,
  drafters: z.record(
    z.string(),
    z.object({
      acceptanceCurves: z.array(z.array(probability)),
      /** Replicate mean ms per drafted token / the full set's. */
      draftTimeScale: z.array(positive),
      roundOverheadMs: z.array(nonNegative),
    }),
  ),
  verifier: z.object({ verifyFits: z.array(VerifyFitSchema), rttMs: z.array(nonNegative) }),
});
export type ProfileBootstrap = z.infer<typeof ProfileBootstrapSchema>;

export const ProfileSchema = z
  .object({
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    createdAt: z.iso.datetime(),
    validityKey: ValidityKeySchema,
    machine: MachineSchema,
    power: PowerProfileSchema,
    drafters: z.array(DrafterProfileSchema),
    verifier: VerifierProfileSchema,
    prices: PriceTableSchema,
    /** Largest K profiled; every acceptance curve has this length. */
    kMax: z.number().int().positive().max(64),
    bootstrap: ProfileBootstrapSchema.optional(),
    /** Where the calibration prompts came from; absent in older profiles. */
    calibration: CalibrationSourceSchema.optional(),
    /** Completion length under the daemon's stop rules; absent in older profiles (the model assumes the budget). */
    completionLength: CompletionLengthSchema.optional(),
  })
  .superRefine((profile, ctx) => {
    const ids = new Set<string>();
    profile.drafters.forEach((drafter, index) => {
      if (ids.has(drafter.id)) ctx.addIssue({ code: "custom", path: ["drafters", index, "id"], message: `duplicate drafter id ${drafter.id}` });
      ids.add(drafter.id);
      if (drafter.acceptanceCurve.length !== profile.kMax) {
        ctx.addIssue({
          code: "custom",
          path: ["drafters", index, "acceptanceCurve"],
          message: `expected ${profile.kMax} positions (kMax), found ${drafter.acceptanceCurve.length}`,
        });
      }
      const threads = drafter.threadSweep?.map((p) => p.threads);
      if (threads && new Set(threads).size !== threads.length) {
        ctx.addIssue({ code: "custom", path: ["drafters", index, "threadSweep"], message: "duplicate thread counts" });
      }
      if (threads && !threads.includes(drafter.bestThreads)) {
        ctx.addIssue({ code: "custom", path: ["drafters", index, "bestThreads"], message: `bestThreads ${drafter.bestThreads} is not in the thread sweep` });
      }
      const contexts = drafter.draftMsPerTokenByContext?.map((p) => p.contextTokens) ?? [];
      if (contexts.some((c, i) => i > 0 && c <= contexts[i - 1])) {
        ctx.addIssue({ code: "custom", path: ["drafters", index, "draftMsPerTokenByContext"], message: "context buckets must ascend" });
      }
    });
  });
/** The parsed profile (defaults applied). */
export type Profile = z.infer<typeof ProfileSchema>;
/** What a profiler hands to `writeProfile` (fields with defaults may be omitted). */
export type ProfileInput = z.input<typeof ProfileSchema>;
