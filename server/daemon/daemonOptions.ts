import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InitializeParams } from "vscode-languageserver";
import { z } from "zod";
import { SETTINGS_SECTION } from "../config/daemonSettings.js";
import { InitializationOptionsSchema } from "../lspContract.js";
import { bundledFamilyDir } from "../modelFiles/bundledFamily.js";
import type { DaemonLogger } from "./daemonLogger.js";
import type { ReadOnBattery } from "../profiler/power/onBatteryReader.js";
import type { LoadEngine, StartEmbeddedVerifier } from "./engineFactory.js";
import type { DEFAULT_POWER_POLL_MS } from "./power/powerStateWatch.js";
import type { RenderProfileCharts } from "./profiling/profileCharts.js";
import type { ProfileMachine } from "./profiling/profileMachine.js";
import type { VerifierHealthOptions } from "./verifierHealth.js";

/** Default storage when the client passes none: `~/.configspec`. */
export const DEFAULT_STORAGE_DIR = join(homedir(), ".configspec");
/** The profile's file in the storage folder. */
export const PROFILE_FILE_NAME = "profile.json";

export interface ConfigSpecDaemonOptions {
  loadEngine: LoadEngine;
  startEmbeddedVerifier: StartEmbeddedVerifier;
  profileMachine: ProfileMachine;
  renderProfileCharts: RenderProfileCharts;
  /** Thresholds of the verifier's circuit breaker (tests shorten the cool-down). Default: the breaker's defaults. */
  circuitBreaker?: VerifierHealthOptions["circuitBreaker"];
  /** The live power state `auto` follows. Default: the platform's power sources (server/profiler/power/onBatteryReader.ts). */
  readOnBattery?: ReadOnBattery;
  /** How often it is read, ms. Default {@link DEFAULT_POWER_POLL_MS}. */
  powerPollMs?: number;
}

/** The `file:` workspace folders (or the legacy rootUri) as local paths, in the client's order. */
function localFolders(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.flatMap((uri) => {
    if (!uri.startsWith("file:")) return [];
    try {
      return [fileURLToPath(uri)];
    } catch {
      return [];
    }
  });
}

/** What the client said at `initialize`: its options (defaults for what it left out) and capabilities. */
export function clientOf(params: InitializeParams, log: DaemonLogger) {
  const options = InitializationOptionsSchema.safeParse(params.initializationOptions ?? {});
  if (!options.success) log.warn(`initializationOptions ignored: ${z.prettifyError(options.error)}`);
  const init = options.success ? options.data : {};
  return {
    storagePath: init.storagePath ?? DEFAULT_STORAGE_DIR,
    modelFamilyDir: init.modelFamilyDir ?? bundledFamilyDir(),
    workspaceFolders: localFolders(params),
    canPullConfiguration: params.capabilities.workspace?.configuration === true,
    canRegisterConfigurationChange: params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true,
  };
}

/** The `configspec` section of settings a client pushed (one that cannot be asked). */
export function settingsSectionOf(pushed: unknown): unknown {
  return typeof pushed === "object" && pushed !== null ? Object.getOwnPropertyDescriptor(pushed, SETTINGS_SECTION)?.value : undefined;
}
