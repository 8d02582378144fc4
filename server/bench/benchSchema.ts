import { z } from "zod";
import { ConfigurationSchema } from "../prediction/configuration.js";
import { PriceTableSchema } from "../profile/profileSchema.js";
import { ObjectiveSchema } from "../selector/objective.js";

/** Version of bench/results/<date>.json; bumped when a field changes meaning. */
export const BENCH_SCHEMA_VERSION = 1;

const finite = z.number().finite();
const nonNegative = finite.nonnegative();
/** JSON has no Infinity or NaN: those are written as null (a free configuration's tokens per USD, an undefined error). */
const maybe = finite.nullable();

export const SpreadSchema = z.object({ median: finite, min: finite, max: finite, values: z.array(finite).min(1) });

export const MeasuredRowSchema = z.object({
  configuration: ConfigurationSchema,
  label: z.string().min(1),
  kind: z.enum(["speculative", "verifier-only", "drafter-only"]),
  verified: z.boolean(),
  passes: z.number().int().positive(),
  completions: z.number().int().positive(),
  tokens: z.number().int().nonnegative(),
  goodput: SpreadSchema,
  latencyMs: z.object({ p50: nonNegative, p95: nonNegative }),
  usdPer1kCompletions: nonNegative,
  tokensPerUsd: maybe,
  joulesPerCompletion: nonNegative,
  tokensPerJoule: SpreadSchema,
  acceptance: z.number().min(0).max(1).nullable(),
  tokensPerRound: nonNegative,
  efficiency: nonNegative,
  exact: z.boolean().nullable(),
  /** The condition's profile's prediction; null for a configuration outside its space. */
  predicted: z.object({ goodput: maybe, tokensPerUsd: maybe, tokensPerJoule: maybe, tokensPerRound: maybe }).nullable(),
});
export type MeasuredRowJson = z.infer<typeof MeasuredRowSchema>;

const FiguresSchema = z.object({ goodput: maybe, usdPerToken: maybe, joulesPerToken: maybe, tokensPerRound: maybe });

export const ConditionResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  rttMs: nonNegative,
  jitterMs: nonNegative,
  stepMs: nonNegative,
  profile: z.object({ wallMs: nonNegative, rttMedianMs: nonNegative, acceptance: z.record(z.string(), finite) }),
  roles: z.object({
    verifierOnly: z.string(),
    drafterOnly: z.string(),
    popularDefault: z.string(),
    picks: z.record(ObjectiveSchema, z.string()),
    oracles: z.record(ObjectiveSchema, z.string()),
  }),
  rows: z.array(MeasuredRowSchema).min(1),
  regret: z.array(
    z.object({
      objective: ObjectiveSchema,
      pick: z.string(),
      oracle: z.string(),
      pickValue: maybe,
      oracleValue: maybe,
      regret: z.number().min(0).max(1),
      met: z.boolean(),
    }),
  ),
  predictionError: z.array(z.object({ objective: ObjectiveSchema, label: z.string(), predicted: FiguresSchema, measured: FiguresSchema, relativeError: FiguresSchema })),
  efficiency: z.object({ median: finite, min: finite, minLabel: z.string(), configurations: z.number().int().nonnegative(), met: z.boolean() }),
  allExact: z.boolean(),
  wallMs: nonNegative,
});
export type ConditionResultJson = z.infer<typeof ConditionResultSchema>;

export const PeerResultSchema = z.object({
  drafterId: z.string(),
  k: z.number().int().positive(),
  ours: z.object({ label: z.string(), goodput: SpreadSchema, tokensPerRound: nonNegative, verifyMsPerRound: nonNegative }),
  variants: z.array(
    z.object({
      variant: z.string(),
      goodput: SpreadSchema,
      goodputRatio: SpreadSchema,
      predictionAcceptance: z.number().min(0).max(1).nullable(),
      identical: z.number().int().nonnegative(),
      completions: z.number().int().positive(),
    }),
  ),
  met: z.boolean(),
});

export const BenchResultSchema = z.object({
  schemaVersion: z.literal(BENCH_SCHEMA_VERSION),
  createdAt: z.iso.datetime(),
  smoke: z.boolean(),
  machine: z.object({ cpuModel: z.string(), cores: z.number().int().positive(), loadAverageStart: z.array(finite), loadAverageEnd: z.array(finite) }),
  workload: z.object({
    corpus: z.string(),
    seed: z.number().int(),
    maxTokens: z.number().int().positive(),
    meanPromptTokens: nonNegative,
    prompts: z.array(z.object({ file: z.string(), language: z.string(), offset: z.number().int().nonnegative(), promptTokens: z.number().int().positive() })).min(1),
    passes: z.number().int().positive(),
    gridKs: z.array(z.number().int().positive()).min(1),
    kMax: z.number().int().positive(),
    drafterThreads: z.number().int().positive(),
  }),
  verifier: z.object({ model: z.string(), stepDelaysMs: z.array(nonNegative).min(1) }),
  power: z.object({ source: z.string(), label: z.string() }),
  prices: PriceTableSchema,
  conditions: z.array(ConditionResultSchema).min(1),
  peer: PeerResultSchema.nullable(),
  targets: z.object({
    regret: z.object({ target: finite, worst: finite, met: z.boolean() }),
    efficiency: z.object({ target: finite, worstMedian: finite, met: z.boolean() }),
    peer: z.object({ medianRatio: maybe, met: z.boolean().nullable() }),
  }),
  notes: z.array(z.string()),
  wallMs: nonNegative,
});
export type BenchResult = z.infer<typeof BenchResultSchema>;
