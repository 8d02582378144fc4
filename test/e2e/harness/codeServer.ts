import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { assertPortFree, freePort, LOOPBACK, waitForHttp } from "./freePort.js";
import { ProcessGroup } from "./processGroup.js";

/** code-server's start, extension host included, on 2 busy cores. */
const START_TIMEOUT_MS = 60_000;

/** User settings that keep the workbench quiet and offline (../shared/E2E-RECIPE.md). */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "editor.inlineSuggest.enabled": true,
  "editor.quickSuggestions": { other: false, comments: false, strings: false },
  "editor.suggestOnTriggerCharacters": false,
  "editor.acceptSuggestionOnEnter": "off",
  "editor.minimap.enabled": false,
  "chat.disableAIFeatures": true,
  "git.enabled": false,
  "typescript.disableAutomaticTypeAcquisition": true,
  "typescript.validate.enable": false,
  "files.autoSave": "off",
};

export type SettingsKind = "user" | "machine";

function settingsFileOf(userDataDir: string, kind: SettingsKind): string {
  return join(userDataDir, kind === "user" ? "User" : "Machine", "settings.json");
}

export interface CodeServerOptions {
  /** code-server's `out/node/entry.js` (scripts/e2e/installCodeServer.mjs). */
  entry: string;
  /** A fresh folder holding all of this run's state. */
  runDir: string;
  vsix: string;
  /** User settings on top of {@link QUIET_SETTINGS}. */
  userSettings: Record<string, unknown>;
  /**
   * Settings with `"scope": "machine"` (drafters, verifier): in a remote window such as
   * code-server's, VS Code ignores them in user settings and reads the remote machine's.
   */
  machineSettings: Record<string, unknown>;
}

/**
 * A code-server with its own state (user data, extensions, XDG folders, HOME, TMPDIR all
 * inside `runDir`), the VSIX installed before start, bound to 127.0.0.1 on a free port.
 */
export class CodeServer {
  readonly port: number;
  readonly userDataDir: string;
  readonly #group: ProcessGroup;

  private constructor(port: number, userDataDir: string, group: ProcessGroup) {
    this.port = port;
    this.userDataDir = userDataDir;
    this.#group = group;
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const dirs = {
      userData: join(options.runDir, "user-data"),
      extensions: join(options.runDir, "extensions"),
      home: join(options.runDir, "home"),
      xdgConfig: join(options.runDir, "xdg-config"),
      xdgData: join(options.runDir, "xdg-data"),
      xdgCache: join(options.runDir, "xdg-cache"),
      tmp: join(options.runDir, "tmp"),
    };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    await mkdir(join(dirs.userData, "User"), { recursive: true });
    await mkdir(join(dirs.userData, "Machine"), { recursive: true });
    await writeFile(settingsFileOf(dirs.userData, "user"), JSON.stringify({ ...QUIET_SETTINGS, ...options.userSettings }, null, 2));
    await writeFile(settingsFileOf(dirs.userData, "machine"), JSON.stringify(options.machineSettings, null, 2));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: dirs.home,
      XDG_CONFIG_HOME: dirs.xdgConfig,
      XDG_DATA_HOME: dirs.xdgData,
      XDG_CACHE_HOME: dirs.xdgCache,
      TMPDIR: dirs.tmp,
    };
    const stateArgs = ["--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];

    const install = spawn(process.execPath, [options.entry, ...stateArgs, "--install-extension", options.vsix], { env, stdio: ["ignore", "pipe", "pipe"] });
    let installOutput = "";
    install.stdout.on("data", (chunk: Buffer) => (installOutput += chunk.toString()));
    install.stderr.on("data", (chunk: Buffer) => (installOutput += chunk.toString()));
    const [installCode] = await once(install, "exit");
    if (installCode !== 0 || !/successfully installed/i.test(installOutput)) {
      throw new Error(`installing ${options.vsix} into code-server failed (exit ${String(installCode)}):\n${installOutput}`);
    }

    const port = await freePort();
    await assertPortFree(port);
    const configFile = join(options.runDir, "code-server.yaml");
    await writeFile(configFile, `bind-addr: ${LOOPBACK}:${port}\nauth: none\ncert: false\n`);
    const group = ProcessGroup.start(
      "code-server",
      process.execPath,
      [
        options.entry,
        "--bind-addr",
        `${LOOPBACK}:${port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        ...stateArgs,
        "--config",
        configFile,
      ],
      { env, logFile: join(options.runDir, "code-server.log") },
    );
    const server = new CodeServer(port, dirs.userData, group);
    try {
      await waitForHttp(`http://${LOOPBACK}:${port}/healthz`, START_TIMEOUT_MS, () => group.alive);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The workbench with `folder` open. */
  urlFor(folder: string): string {
    return `http://${LOOPBACK}:${this.port}/?folder=${encodeURIComponent(folder)}`;
  }

  get alive(): boolean {
    return this.#group.alive;
  }

  /** The user or the machine (remote) settings file. */
  settingsFile(kind: SettingsKind): string {
    return settingsFileOf(this.userDataDir, kind);
  }

  /** The user or the machine (remote) settings, as on disk. */
  async readSettings(kind: SettingsKind): Promise<Record<string, unknown>> {
    const file = settingsFileOf(this.userDataDir, kind);
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${file} does not hold an object`);
    return { ...parsed };
  }

  /** The newest session's extension host log folder (`logs/<session>/exthost1`). */
  async extensionHostLogDir(): Promise<string> {
    const logs = join(this.userDataDir, "logs");
    const sessions = (await readdir(logs)).sort();
    const newest = sessions.at(-1);
    if (!newest) throw new Error(`no log session under ${logs}`);
    return join(logs, newest, "exthost1");
  }

  async stop(): Promise<void> {
    await this.#group.stop();
  }
}
