import { bundledFamilyDir } from "../modelFiles/bundledFamily.js";

/**
 * The verifier flags every command that talks to a verifier shares, declared once (names,
 * types, usage text, how they are read): `--verifier-url URL --verifier-model NAME
 * [--api-key-env VAR]`, and `--models DIR`, the model family (default the bundled trained one) whose target the embedded
 * verifier serves when no URL is given.
 */

/**
 * Where outputs (profiles, charts) go by default; the family itself defaults to the trained one
 * that ships in assets/models (bundledFamilyDir). `--models DIR` names another family folder
 * (e.g. one `configspec models --out DIR` generated), which is generated there if absent.
 */
export const DEFAULT_MODELS_DIR = "models";

/** `--verifier-url`, `--verifier-model`, `--api-key-env`, for node:util parseArgs. */
export const VERIFIER_ENDPOINT_FLAGS = {
  "verifier-url": { type: "string" },
  "verifier-model": { type: "string" },
  "api-key-env": { type: "string" },
} as const;

/** `--models DIR`, for node:util parseArgs. */
export const MODELS_DIR_FLAG = {
  models: { type: "string" },
} as const;

export const VERIFIER_ENDPOINT_USAGE = "[--verifier-url URL --verifier-model NAME [--api-key-env VAR]]";
export const MODELS_DIR_USAGE = "[--models DIR]";

export interface VerifierEndpointFlags {
  "verifier-url"?: string;
  "verifier-model"?: string;
  "api-key-env"?: string;
}

/** The API key from the variable `--api-key-env` names (the key itself never goes on a command line, which `ps` shows). */
export function apiKeyFromFlags(flags: VerifierEndpointFlags): string | undefined {
  return flags["api-key-env"] ? process.env[flags["api-key-env"]] : undefined;
}

/** `--models`, or the bundled trained family. */
export function modelsDirFromFlags(flags: { models?: string }): string {
  return flags.models ?? bundledFamilyDir();
}

/** Where a command writes its outputs: the `--models` folder when given, else {@link DEFAULT_MODELS_DIR}. */
export function outputDirFromFlags(flags: { models?: string }): string {
  return flags.models ?? DEFAULT_MODELS_DIR;
}
