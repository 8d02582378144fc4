import { cp, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { bundledFamily } from "../../helpers/bundledFamily.js";
import type { ModelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { HeadlessChromium } from "./chromium.js";
import { CodeServer } from "./codeServer.js";
import { ExtensionLogs } from "./extensionLogs.js";
import { freePort } from "./freePort.js";
import { Screenshots } from "./screenshots.js";
import { VerifierProcess } from "./verifierProcess.js";
import { Workbench } from "./workbench.js";

/** Where the run's state lives (kept after the run for its logs; emptied at the next start). */
export const RUN_DIR = resolve(".cache", "e2e", "run");
export const ARTIFACTS_DIR = resolve("test", "e2e", "artifacts");
const SAMPLE_WORKSPACE = resolve("test", "e2e", "fixtures", "sample-workspace");
export const CLI = resolve("dist", "cli.js");

/** Most tokens per completion in this suite: long enough to show, short enough for 2 cores. */
export const MAX_TOKENS = 24;
/** Activation (onStartupFinished) and the daemon's start, on 2 busy cores. */
const EXTENSION_START_TIMEOUT_MS = 60_000;
/** Two drafters: a configuration space worth a table and charts, a profiling run under a minute. */
const DRAFTER_COUNT = 2;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with npm run test:e2e (scripts/e2e/run-e2e.mjs)`);
  return value;
}

/**
 * Everything one suite run drives: the bundled trained family, a `configspec verifier` on the
 * family's target (for the CLI comparison and the fault tests), code-server with the VSIX and
 * a copy of the sample workspace, and headless Chromium on its workbench.
 */
export interface E2eSession {
  family: ModelFamilyFixture;
  /** `configspec.drafters` as the suite starts. */
  drafters: string[];
  workspace: string;
  verifier: VerifierProcess;
  server: CodeServer;
  chromium: HeadlessChromium;
  workbench: Workbench;
  logs: ExtensionLogs;
  shots: Screenshots;
  /** Browser first (it holds connections to code-server), then code-server's group, then the verifier's. */
  dispose(): Promise<void>;
}

export async function startE2eSession(): Promise<E2eSession> {
  const entry = requiredEnv("CONFIGSPEC_E2E_CODE_SERVER");
  const vsix = requiredEnv("CONFIGSPEC_E2E_VSIX");
  await rm(RUN_DIR, { recursive: true, force: true });
  await mkdir(RUN_DIR, { recursive: true });
  const shots = new Screenshots(ARTIFACTS_DIR);
  await shots.reset();

  // The daemon's embedded verifier serves the family the VSIX ships (assets/models): the same files.
  const family = await bundledFamily();
  const drafters = family.drafters.slice(0, DRAFTER_COUNT).map((d) => d.absolutePath);
  const workspace = join(RUN_DIR, "workspace");
  await cp(SAMPLE_WORKSPACE, workspace, { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  const dispose = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const verifier = new VerifierProcess({ cli: CLI, modelPath: family.target.absolutePath, modelId: family.target.id, port: await freePort(), runDir: RUN_DIR });
    stops.push(() => verifier.stop());
    // code-server and the verifier start side by side (each takes seconds); both are
    // awaited, so whichever started is stopped if the other failed.
    const [started, verifierStarted] = await Promise.allSettled([
      CodeServer.start({
        entry,
        runDir: RUN_DIR,
        vsix,
        userSettings: { "configspec.objective": "latency", "configspec.maxTokens": MAX_TOKENS },
        // The embedded verifier (no base URL) on the bundled family is the default under test.
        machineSettings: { "configspec.drafters": drafters },
      }),
      verifier.start(),
    ]);
    if (started.status === "fulfilled") stops.push(() => started.value.stop());
    if (started.status === "rejected") throw started.reason;
    if (verifierStarted.status === "rejected") throw verifierStarted.reason;
    const server = started.value;
    const chromium = await HeadlessChromium.launch(RUN_DIR);
    stops.push(() => chromium.close());
    const workbench = new Workbench(chromium.page);
    await workbench.open(server.urlFor(workspace));
    // The status bar item exists once the extension has activated and started the daemon.
    await workbench.statusItem().waitFor({ timeout: EXTENSION_START_TIMEOUT_MS });
    const logs = new ExtensionLogs(await server.extensionHostLogDir());
    return { family, drafters, workspace, verifier, server, chromium, workbench, logs, shots, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
