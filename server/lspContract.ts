/**
 * Every custom request and notification between the extension and the daemon, declared once:
 * method name (`configspec/...`), typed `RequestType`/`NotificationType`, and the zod schemas
 * of its params and result. The daemon parses every incoming payload with `params`; the
 * extension may parse results and notifications with the same schemas.
 *
 * Imports only vscode-languageserver-protocol and zod, so both bundles can use it (never `vscode`).
 */
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import { z } from "zod";

/** A request: its method, its typed `RequestType`, and the schemas both sides validate with. */
export interface RequestDescriptor<P extends z.ZodType, R extends z.ZodType> {
  method: string;
  type: RequestType<z.infer<P>, z.infer<R>, void>;
  params: P;
  result: R;
}

export interface NotificationDescriptor<P extends z.ZodType> {
  method: string;
  type: NotificationType<z.infer<P>>;
  params: P;
}

function defineRequest<P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): RequestDescriptor<P, R> {
  return { method, type: new RequestType<z.infer<P>, z.infer<R>, void>(method), params, result };
}

function defineNotification<P extends z.ZodType>(method: string, params: P): NotificationDescriptor<P> {
  return { method, type: new NotificationType<z.infer<P>>(method), params };
}

// ---------------------------------------------------------------------------------------------
// Shared shapes

export const OBJECTIVES = ["latency", "cost", "battery", "auto"] as const;
export const ObjectiveSchema = z.enum(OBJECTIVES);
export type Objective = z.infer<typeof ObjectiveSchema>;

/** LSP `ProgressToken`; the client passes it as `workDoneToken` and listens for `$/progress`. */
export const ProgressTokenSchema = z.union([z.string(), z.number().int()]);

/** One point of the configuration space: a drafter (null = verifier-only) and a draft length K. */
export const ConfigurationKeySchema = z.object({
  drafterId: z.string().min(1).nullable(),
  k: z.number().int().min(0),
  /** Drafting threads, when the profile chose them. */
  threads: z.number().int().positive().optional(),
  /** The verifier protocol of the rounds (a name of server/verifier/verifierProtocol.ts), when the profile compared several. */
  protocol: z.string().min(1).optional(),
});
export type ConfigurationKey = z.infer<typeof ConfigurationKeySchema>;

/** The configuration the daemon serves completions with, and why. */
export const ActiveConfigurationSchema = ConfigurationKeySchema.extend({
  objective: ObjectiveSchema,
  /** profile: the profile's pick; adapted: re-picked from running estimates (online adaptation); default: no profile. */
  source: z.enum(["profile", "adapted", "default"]),
});
export type ActiveConfiguration = z.infer<typeof ActiveConfigurationSchema>;

/** A configuration's modelled figures, per completion, as the panel shows them. */
export const ConfigurationPointSchema = ConfigurationKeySchema.extend({
  goodputTokensPerSecond: z.number().nonnegative(),
  /** The goodput's 80% interval (the profile's bootstrap replicates); absent when the profile has none. */
  goodputInterval: z.object({ low: z.number().nonnegative(), high: z.number().nonnegative() }).optional(),
  latencyMs: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** The cost per completion's 80% interval; absent without replicates. */
  costInterval: z.object({ low: z.number().nonnegative(), high: z.number().nonnegative() }).optional(),
  energyJ: z.number().nonnegative(),
  /** The energy per completion's 80% interval; absent without replicates. */
  energyInterval: z.object({ low: z.number().nonnegative(), high: z.number().nonnegative() }).optional(),
  /** Measured per-token acceptance of this drafter (null for verifier-only). */
  acceptance: z.number().min(0).max(1).nullable(),
  /** False for drafter-only (allowed by configspec.allowUnverified): the output is the drafter's. */
  verified: z.boolean(),
  label: z.string(),
  onParetoFront: z.boolean(),
});
export type ConfigurationPoint = z.infer<typeof ConfigurationPointSchema>;

export const ObjectivePickSchema = ConfigurationKeySchema.extend({
  verified: z.boolean(),
  label: z.string(),
  /** One line saying why this configuration wins for the objective. */
  explanation: z.string(),
});
export type ObjectivePick = z.infer<typeof ObjectivePickSchema>;

export const ChartSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  /** A self-contained `<svg>` element (no scripts; the webview's CSP would block them anyway). */
  svg: z.string().startsWith("<svg"),
});
export type Chart = z.infer<typeof ChartSchema>;

/** The profiled configuration space: what the settings panel renders. */
export const ProfileViewSchema = z.object({
  profiledAt: z.string(),
  /** One line describing the machine and the verifier link, e.g. "2 cores, 8 GB, RTT 40 ms". */
  machine: z.string(),
  /** What the profile's calibration prompts were cut from, in words; absent when the profile does not say (older profiles). */
  corpus: z.string().optional(),
  configurations: z.array(ConfigurationPointSchema),
  picks: z.object({
    latency: ObjectivePickSchema,
    cost: ObjectivePickSchema,
    battery: ObjectivePickSchema,
    auto: ObjectivePickSchema,
  }),
  charts: z.array(ChartSchema),
});
export type ProfileView = z.infer<typeof ProfileViewSchema>;

// ---------------------------------------------------------------------------------------------
// Requests

/** Profile this machine (cancellable; reports `$/progress` on `workDoneToken`). */
export const ProfileRequest = defineRequest(
  "configspec/profile",
  z.object({ workDoneToken: ProgressTokenSchema.optional() }),
  z.object({ profile: ProfileViewSchema, active: ActiveConfigurationSchema }),
);
export type ProfileParams = z.infer<typeof ProfileRequest.params>;
export type ProfileResult = z.infer<typeof ProfileRequest.result>;

/** The last profile (null before the first run) and the active configuration. */
export const GetProfileRequest = defineRequest(
  "configspec/getProfile",
  z.object({}).nullish(),
  z.object({ profile: ProfileViewSchema.nullable(), active: ActiveConfigurationSchema.nullable() }),
);
export type GetProfileResult = z.infer<typeof GetProfileRequest.result>;

/**
 * Switch objective now (the extension also writes `configspec.objective`; this request makes
 * the switch immediate rather than waiting for the configuration round trip).
 */
export const SetObjectiveRequest = defineRequest(
  "configspec/setObjective",
  z.object({ objective: ObjectiveSchema }),
  z.object({ active: ActiveConfigurationSchema }),
);
export type SetObjectiveParams = z.infer<typeof SetObjectiveRequest.params>;

export const LastCompletionStatsSchema = z.object({
  latencyMs: z.number().nonnegative(),
  tokens: z.number().int().nonnegative(),
  rounds: z.number().int().nonnegative(),
  tokensPerRound: z.number().nonnegative(),
  /** accepted / drafted; null when nothing was drafted (verifier-only). */
  acceptance: z.number().min(0).max(1).nullable(),
  costUsd: z.number().nonnegative(),
  energyJ: z.number().nonnegative(),
  stopReason: z.string(),
  served: ConfigurationKeySchema.extend({ verified: z.boolean() }),
});
export type LastCompletionStats = z.infer<typeof LastCompletionStatsSchema>;

export const CompletionTotalsSchema = z.object({
  completions: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  energyJ: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
  /** The same completions served verifier-only, estimated (see completionAccounting.ts). */
  verifierOnlyCostUsd: z.number().nonnegative(),
  verifierOnlyEnergyJ: z.number().nonnegative(),
  verifierOnlyLatencyMs: z.number().nonnegative(),
  /** verifierOnly − actual; negative when speculation cost more than it saved. */
  savedUsd: z.number(),
  savedJ: z.number(),
  savedMs: z.number(),
});
export type CompletionTotals = z.infer<typeof CompletionTotalsSchema>;

/** How many inline completion requests ended where: answers "why no suggestion?" in numbers. */
export const CompletionCountersSchema = z.object({
  requests: z.number().int().nonnegative(),
  engineRuns: z.number().int().nonnegative(),
  cacheHits: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  superseded: z.number().int().nonnegative(),
  served: z.number().int().nonnegative(),
  empty: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Verifier calls (rounds) of every engine run, shown or not. */
  verifierCalls: z.number().int().nonnegative(),
  /** Verifier calls of runs whose result nobody saw (cancelled or superseded while running; an in-flight call may be missing). */
  wastedVerifierCalls: z.number().int().nonnegative(),
  /** Background runs after a shown suggestion: the rest of its block, and the next suggestion if it is accepted. */
  backgroundRuns: z.number().int().nonnegative(),
});
export type CompletionCounters = z.infer<typeof CompletionCountersSchema>;

/** Warm-ups while typing (configspec.warmup): how many ran, and what the verifier billed for them. */
export const WarmupStatsSchema = z.object({
  warmups: z.number().int().nonnegative(),
  /** Warm-ups that failed (the verifier refused or was unreachable); cancelled ones are not counted at all. */
  failed: z.number().int().nonnegative(),
  /** Prompt tokens the drafter evaluated into its KV cache. */
  drafterTokens: z.number().int().nonnegative(),
  /** Verifier requests sent to warm its prefix cache, and their `usage`. */
  verifierCalls: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** What those tokens and the verifier's time cost at the verifier's prices (also in totals.costUsd). */
  costUsd: z.number().nonnegative(),
});
export type WarmupStats = z.infer<typeof WarmupStatsSchema>;

export const StatsRequest = defineRequest(
  "configspec/stats",
  z.object({}).nullish(),
  z.object({
    active: ActiveConfigurationSchema.nullable(),
    last: LastCompletionStatsSchema.nullable(),
    totals: CompletionTotalsSchema,
    counters: CompletionCountersSchema,
    warmups: WarmupStatsSchema.optional(),
    /** Online validation: the running configuration's served completions beside its prediction; null before any. */
    predictedVsMeasured: z
      .object({
        completions: z.number().int().nonnegative(),
        predictedGoodput: z.number().nullable(),
        measuredGoodput: z.number().nullable(),
        goodputError: z.number().nullable(),
        /** Share of completions inside the 80% interval; null without intervals. */
        coverage: z.number().nullable(),
        drift: z.string().nullable(),
      })
      .nullish(),
  }),
);
export type StatsResult = z.infer<typeof StatsRequest.result>;

/**
 * The verifier API key, from the extension's SecretStorage (null clears it). Never put in
 * settings and never logged by either side.
 */
export const SetVerifierApiKeyRequest = defineRequest(
  "configspec/setVerifierApiKey",
  z.object({ apiKey: z.string().min(1).nullable() }),
  z.object({ accepted: z.boolean() }),
);

/**
 * First run: make drafters available, by downloading remote models (`hf:` URIs) into the
 * daemon's model folder or by generating the offline model family. Reports `$/progress`;
 * cancellable. Returns what to write into `configspec.drafters`.
 */
export const PrepareDraftersRequest = defineRequest(
  "configspec/prepareDrafters",
  z.object({
    workDoneToken: ProgressTokenSchema.optional(),
    source: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("download"), uris: z.array(z.string().min(1)).min(1) }),
      z.object({ kind: z.literal("generated") }),
    ]),
  }),
  z.object({ drafters: z.array(z.string().min(1)) }),
);
export type PrepareDraftersParams = z.infer<typeof PrepareDraftersRequest.params>;

// ---------------------------------------------------------------------------------------------
// Notifications (server → client)

export const HEALTH_VALUES = ["ok", "warning", "error"] as const;
export const HealthSchema = z.enum(HEALTH_VALUES);
export type Health = z.infer<typeof HealthSchema>;

/** Pushed whenever it changes, like rust-analyzer's `experimental/serverStatus`. */
export const ServerStatusNotification = defineNotification(
  "configspec/serverStatus",
  z.object({
    health: HealthSchema,
    /** False while the daemon is busy (loading models, profiling, downloading). */
    quiescent: z.boolean(),
    /** `configspec.enabled`: completions on or off. */
    enabled: z.boolean(),
    /** Null until the verifier was first contacted. */
    verifierReachable: z.boolean().nullable(),
    /** The live power state the `auto` objective follows: true on battery, false on mains, null when it cannot be told. */
    onBattery: z.boolean().nullable(),
    active: ActiveConfigurationSchema.nullable(),
    lastLatencyMs: z.number().nonnegative().nullable(),
    /** The verification protocol the engine uses and why (auto: what the endpoint answered); null until an engine verifies drafts. */
    verifierProtocol: z.object({ protocol: z.string(), reason: z.string(), engine: z.string().optional() }).nullable().optional(),
    /** The engine recognised behind the verifier endpoint, verifier-only included; null until an engine is built or when unknown. */
    verifierEngine: z.string().nullable().optional(),
    message: z.string().optional(),
  }),
);
export type ServerStatus = z.infer<typeof ServerStatusNotification.params>;

// ---------------------------------------------------------------------------------------------
// Initialization

/** `initializationOptions` the extension passes in `initialize`. */
export const InitializationOptionsSchema = z.object({
  /** The extension's global storage folder: downloaded and generated models, the profile. */
  storagePath: z.string().min(1).optional(),
  /** A folder holding a model family (manifest.json); default the bundled trained family (assets/models). Tests pass the generated one. */
  modelFamilyDir: z.string().min(1).optional(),
});
export type InitializationOptions = z.infer<typeof InitializationOptionsSchema>;
