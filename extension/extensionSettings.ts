/**
 * The settings the extension itself reads (the daemon pulls and validates the whole section
 * itself, server/config/daemonSettings.ts, and rebuilds what a change needs — so no key
 * requires restarting the daemon). Pure: the caller passes a reader, tests pass a record.
 */
import { z } from "zod";
import { ObjectiveSchema, type Objective } from "../server/lspContract.js";

export const SETTINGS_SECTION = "configspec";

export interface ExtensionSettings {
  /** Default "auto". */
  objective: Objective;
  /** Default true. */
  enabled: boolean;
  /** Default []. */
  drafters: string[];
  /** "" = the embedded verifier. Default "". */
  verifierBaseUrl: string;
  /** What profiling calibrates on: "workspace", "bundled" or a folder (the daemon resolves it). Default "workspace". */
  profilingCorpus: string;
}

export const DEFAULT_EXTENSION_SETTINGS: Readonly<ExtensionSettings> = Object.freeze<ExtensionSettings>({
  objective: "auto",
  enabled: true,
  drafters: [],
  verifierBaseUrl: "",
  profilingCorpus: "workspace",
});

/** Reads each key (dotted, below `configspec.`), keeping the default for a missing or bad value. */
export function readExtensionSettings(read: (key: string) => unknown): ExtensionSettings {
  const value = <T>(key: string, schema: z.ZodType<T>, fallback: T): T => {
    const parsed = schema.safeParse(read(key));
    return parsed.success ? parsed.data : fallback;
  };
  const d = DEFAULT_EXTENSION_SETTINGS;
  return {
    objective: value("objective", ObjectiveSchema, d.objective),
    enabled: value("enabled", z.boolean(), d.enabled),
    drafters: value("drafters", z.array(z.string()), [...d.drafters]),
    verifierBaseUrl: value("verifier.baseUrl", z.string(), d.verifierBaseUrl),
    profilingCorpus: value("profiling.corpus", z.string().trim().min(1), d.profilingCorpus),
  };
}
