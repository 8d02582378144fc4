import { z } from "zod";

const PercentilesSchema = z.object({ p50: z.number().nullable(), p90: z.number().nullable(), p99: z.number().nullable() });

export const TypingMetricsSchema = z.object({
  sittings: z.number().int(),
  keystrokes: z.number().int(),
  pauses: z.number().int(),
  latencyMs: PercentilesSchema,
  shownPerPause: z.number().min(0).max(1),
  matchedChars: z.number().min(0),
  suggestionChars: z.number().min(0),
  firstLineMatchShare: z.number().min(0).max(1),
  failedRequests: z.number().int(),
  perHundredChars: z.object({
    verifierCalls: z.number().min(0),
    abandonedVerifierCalls: z.number().min(0),
    promptTokens: z.number().min(0),
    /** Absent in results from before prefix-cache counting. */
    cachedTokens: z.number().min(0).optional(),
    completionTokens: z.number().min(0),
    /** Absent in results from before verifier-only streamed. */
    streamsClosedEarly: z.number().min(0).optional(),
  }),
});

export const LosslessCheckSchema = z.object({
  compared: z.number().int(),
  identical: z.number().int(),
  prefixOnly: z.number().int(),
  differing: z.number().int(),
  examples: z.array(z.object({ file: z.string(), keystroke: z.number().int(), shown: z.string(), verifierOnly: z.string() })),
});

/** Which configuration a row measured, and why it is in the table. */
export const TypingConfigurationSchema = z.object({
  /**
   * `verifier-only`, `pick`, `default` (fixed K=4 without a profile), `drafter-only`, or
   * `colocated`: the daemon verifier-only against a llama-server that speculates itself with
   * `drafterId` beside the target (`-md`, up to `k` drafted tokens per step).
   */
  kind: z.enum(["verifier-only", "pick", "default", "drafter-only", "colocated"]),
  /** Objectives this configuration is the profile's pick for (kind `pick`). */
  objectives: z.array(z.string()),
  drafterId: z.string().nullable(),
  k: z.number().int(),
  verified: z.boolean(),
});

/** Every pause's predicted time to the first verified line (with its 80% interval) beside the measured keystroke → suggestion. */
export const FirstLinePredictionCheckSchema = z.object({
  pauses: z.array(
    z.object({
      file: z.string(),
      keystroke: z.number().int(),
      predictedMs: z.number(),
      low: z.number().nullable(),
      high: z.number().nullable(),
      /** Null where no suggestion was shown at the pause. */
      measuredMs: z.number().nullable(),
    }),
  ),
  judged: z.number().int(),
  medianAbsError: z.number().nullable(),
  coverage: z.number().min(0).max(1).nullable(),
});

export const TypingRowSchema = z.object({
  label: z.string(),
  configuration: TypingConfigurationSchema,
  metrics: TypingMetricsSchema,
  /** Null for verifier-only itself. */
  lossless: LosslessCheckSchema.nullable(),
  /** The daemon's own counters over the sittings (configspec/stats). */
  daemon: z.record(z.string(), z.number()),
  /** `uptime` load averages (1, 5, 15 min) when the row finished. */
  load: z.array(z.number()).length(3),
  wallMs: z.number(),
  /** The daemon's first warnings and errors during the row (why a request failed). */
  problems: z.array(z.string()),
  /** The profile's first-line prediction checked at every pause; null where the condition was not profiled or the model does not describe the row (co-located); absent in older results. */
  firstLinePrediction: FirstLinePredictionCheckSchema.nullable().optional(),
});

export const TypingConditionSchema = z.object({
  rttMs: z.number(),
  /** Emulated cloud model: ms added per verifier forward pass (`configspec verifier --step-ms`); 0 = as-is. */
  stepMs: z.number(),
  /** What the profile picked per objective under this condition (null: not profiled). */
  picks: z
    .record(
      z.string(),
      z.object({
        drafterId: z.string().nullable(),
        k: z.number().int(),
        /** The selector's reason line (the latency pick's says its predicted first line); absent in older results. */
        explanation: z.string().optional(),
      }),
    )
    .nullable(),
  profileWallMs: z.number().nullable(),
  /** The co-located row's drafter (llama-server `-md`), its K, and why that drafter: the latency pick's, or the default's. Absent/null without that row. */
  colocated: z
    .object({ drafterId: z.string(), maxTokens: z.number().int(), chosenBy: z.enum(["latency pick", "default"]) })
    .nullable()
    .optional(),
  rows: z.array(TypingRowSchema),
});

export const TypingResultSchema = z.object({
  kind: z.literal("configspec-typing-bench"),
  version: z.literal(1),
  date: z.string(),
  command: z.string(),
  smoke: z.boolean(),
  /** The verifier every row talked to: the embedded one or a real llama-server (absent in results from before --engine: embedded). */
  engine: z.enum(["embedded", "llama-server"]).optional(),
  machine: z.object({ cpus: z.number().int(), loadAtStart: z.array(z.number()).length(3), loadAtEnd: z.array(z.number()).length(3) }),
  settings: z.object({
    maxTokens: z.number().int(),
    debounceMs: z.number().nullable(),
    chars: z.number().int(),
    seed: z.number().int(),
    /** configspec.warmup for every row (absent in results from before warm-ups). */
    warmup: z.enum(["auto", "on", "off"]).optional(),
  }),
  corpus: z.string(),
  regions: z.array(z.object({ file: z.string(), chars: z.number().int(), keystrokes: z.number().int(), pauses: z.number().int() })),
  conditions: z.array(TypingConditionSchema),
  wallMs: z.number(),
});
export type TypingResult = z.infer<typeof TypingResultSchema>;
export type TypingRow = z.infer<typeof TypingRowSchema>;
export type TypingCondition = z.infer<typeof TypingConditionSchema>;
