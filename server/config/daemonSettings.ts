import { z } from "zod";
import { ObjectiveSchema, type Objective } from "../lspContract.js";
import { DEFAULT_VERIFIER_PROTOCOL_SETTING, VerifierProtocolSettingSchema, type VerifierProtocolSetting } from "../verifier/verifierProtocol.js";

/** The settings section the daemon pulls with `workspace/configuration`. */
export const SETTINGS_SECTION = "configspec";

/**
 * Price overrides for one verifier model, in the fields of server/model's price tables (USD
 * per million tokens, and per server second); missing fields keep the built-in table's.
 */
export const PriceOverrideSchema = z.object({
  inputPerMillion: z.number().nonnegative().optional(),
  cachedInputPerMillion: z.number().nonnegative().optional(),
  outputPerMillion: z.number().nonnegative().optional(),
  perServerSecond: z.number().nonnegative().optional(),
});
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;

export interface VerifierSettings {
  /** OpenAI-compatible base URL; "" starts the embedded verifier. Default "". */
  baseUrl: string;
  /** Model name sent to the verifier; "" lets the endpoint (or the embedded verifier) choose. Default "". */
  model: string;
  /** How drafts are verified (server/verifier/verifierProtocol.ts); `auto` probes the endpoint once. Default "auto". */
  protocol: VerifierProtocolSetting;
}

/**
 * Warming the caches while typing (server/daemon/cache/cacheWarmer.ts): `auto` warms the
 * drafter always and the verifier when it is not billed per token (embedded, on this machine or
 * network, or priced at 0 per token); `on` warms both; `off` neither.
 */
export const WarmupSettingSchema = z.enum(["auto", "on", "off"]);
export type WarmupSetting = z.infer<typeof WarmupSettingSchema>;

/** Everything the daemon reads from the `configspec` section. */
export interface DaemonSettings {
  /** Inline completions on or off; off also unloads the models. Default true. */
  enabled: boolean;
  /** What the configuration is chosen for. Default "auto". */
  objective: Objective;
  verifier: VerifierSettings;
  /** Drafter model paths or `hf:` URIs; [] means none configured (first-run offer). Default []. */
  drafters: string[];
  /** Most verified tokens per completion. Default 64. */
  maxTokens: number;
  /** Quiet time after a keystroke before the engine runs. Default 75 ms. */
  debounceMs: number;
  /** Per-language switch; "*" is the fallback. Default `{"*": true, "plaintext": false}`. */
  enable: Record<string, boolean>;
  /** Price overrides per verifier model name. Default {}. */
  prices: Record<string, PriceOverride>;
  /** Show drafter output the verifier has not checked (when it is unreachable). Default false. */
  allowUnverified: boolean;
  /** Warm the caches after each debounced edit ({@link WarmupSettingSchema}). Default "auto". */
  warmup: WarmupSetting;
  profiling: ProfilingSettings;
}

export interface ProfilingSettings {
  /** What calibration prompts are cut from: "workspace" (the open folder, or the bundled corpus when it holds too little code), "bundled", or a folder path. Default "workspace". */
  corpus: string;
  /** Re-profile in the background when served completions drift persistently from the predictions. Default true. */
  reprofileOnDrift: boolean;
}

export const DEFAULT_SETTINGS: Readonly<DaemonSettings> = Object.freeze<DaemonSettings>({
  enabled: true,
  objective: "auto",
  verifier: { baseUrl: "", model: "", protocol: DEFAULT_VERIFIER_PROTOCOL_SETTING },
  drafters: [],
  maxTokens: 64,
  debounceMs: 75,
  enable: { "*": true, plaintext: false },
  prices: {},
  allowUnverified: false,
  warmup: "auto",
  profiling: { corpus: "workspace", reprofileOnDrift: true },
});

/** Every key the daemon reads, dotted below `configspec.` as in package.json. */
export const SETTING_KEYS = [
  "enabled",
  "objective",
  "verifier.baseUrl",
  "verifier.model",
  "verifier.protocol",
  "drafters",
  "maxTokens",
  "debounceMs",
  "enable",
  "prices",
  "allowUnverified",
  "warmup",
  "profiling.corpus",
  "profiling.reprofileOnDrift",
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Keys whose change invalidates the built engine (models, verifier connection); the rest apply per request. */
export const ENGINE_REBUILD_KEYS: readonly SettingKey[] = ["drafters", "verifier.baseUrl", "verifier.model", "verifier.protocol"];

/** Keys whose change invalidates cached completions (the verifier's greedy output would differ). */
export const CACHE_INVALIDATING_KEYS: readonly SettingKey[] = ["verifier.baseUrl", "verifier.model", "maxTokens"];

/** Keys whose change re-probes the verifier and closes an embedded one. */
export const VERIFIER_KEYS: readonly SettingKey[] = ["verifier.baseUrl", "verifier.model", "verifier.protocol"];

/** Keys the predictions in the profile view depend on. */
export const PROFILE_VIEW_KEYS: readonly SettingKey[] = ["allowUnverified", "maxTokens", "verifier.protocol"];

const BaseUrlSchema = z.union([z.literal(""), z.url({ protocol: /^https?$/ })]);

export interface ParsedSettings {
  settings: DaemonSettings;
  /** One message per key that held a bad value and fell back to its default. */
  issues: string[];
}

/** The value at a dotted path of a nested settings object (undefined when any step is missing). */
export function settingValueAt(raw: unknown, key: string): unknown {
  let value: unknown = raw;
  for (const part of key.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = Object.getOwnPropertyDescriptor(value, part)?.value;
  }
  return value;
}

/**
 * Parses the `configspec` section key by key: a missing key takes its default, a bad value
 * takes its default and is reported, so one typo never disables the rest.
 */
export function parseDaemonSettings(raw: unknown): ParsedSettings {
  const issues: string[] = [];
  const read = <T>(key: SettingKey, schema: z.ZodType<T>, fallback: T): T => {
    const value = settingValueAt(raw, key);
    if (value === undefined || value === null) return fallback;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    issues.push(`${SETTINGS_SECTION}.${key}: ${z.prettifyError(parsed.error).replace(/\s+/g, " ")}; got ${JSON.stringify(value)}, using ${JSON.stringify(fallback)}`);
    return fallback;
  };
  const d = DEFAULT_SETTINGS;
  const settings: DaemonSettings = {
    enabled: read("enabled", z.boolean(), d.enabled),
    objective: read("objective", ObjectiveSchema, d.objective),
    verifier: {
      baseUrl: read("verifier.baseUrl", BaseUrlSchema, d.verifier.baseUrl),
      model: read("verifier.model", z.string(), d.verifier.model),
      protocol: read("verifier.protocol", VerifierProtocolSettingSchema, d.verifier.protocol),
    },
    drafters: read("drafters", z.array(z.string().trim().min(1)), [...d.drafters]),
    maxTokens: read("maxTokens", z.number().int().min(1).max(1024), d.maxTokens),
    debounceMs: read("debounceMs", z.number().int().min(0).max(2000), d.debounceMs),
    enable: read("enable", z.record(z.string(), z.boolean()), { ...d.enable }),
    prices: read("prices", z.record(z.string(), PriceOverrideSchema), { ...d.prices }),
    allowUnverified: read("allowUnverified", z.boolean(), d.allowUnverified),
    warmup: read("warmup", WarmupSettingSchema, d.warmup),
    profiling: {
      corpus: read("profiling.corpus", z.string().trim().min(1), d.profiling.corpus),
      reprofileOnDrift: read("profiling.reprofileOnDrift", z.boolean(), d.profiling.reprofileOnDrift),
    },
  };
  return { settings, issues };
}

/** The keys whose values differ between two parsed settings. */
export function changedSettingKeys(before: DaemonSettings, after: DaemonSettings): SettingKey[] {
  return SETTING_KEYS.filter((key) => JSON.stringify(settingValueAt(before, key)) !== JSON.stringify(settingValueAt(after, key)));
}

/** `enable[languageId]`, else `enable["*"]`, else on. */
export function isLanguageEnabled(enable: Record<string, boolean>, languageId: string): boolean {
  return Object.hasOwn(enable, languageId) ? enable[languageId] === true : enable["*"] !== false;
}
