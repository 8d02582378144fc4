import { join } from "node:path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  Trace,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import type { z } from "zod";
import {
  ServerStatusNotification,
  SetObjectiveRequest,
  SetVerifierApiKeyRequest,
  type InitializationOptions,
  type Objective,
  type RequestDescriptor,
  type ServerStatus,
} from "../server/lspContract.js";
import { errorMessageOf } from "../server/util/errorMessage.js";
import { readExtensionSettings, SETTINGS_SECTION, type ExtensionSettings } from "./extensionSettings.js";
import { ServerNotRunningError } from "./serverNotRunningError.js";
import { CrashRestartPolicy, DEFAULT_MAX_CRASH_RESTARTS } from "./crashRestartPolicy.js";
import { announcedError, type ClientState } from "./statusPresentation.js";
import { applyWorkspaceDrafterPolicy } from "./workspaceDrafterPolicy.js";

/** Where the API key lives in SecretStorage (never in settings). */
export const API_KEY_SECRET = "configspec.verifier.apiKey";

export interface ProfilingProgress {
  message: string;
  percentage: number | null;
}

/**
 * Owns the language client's lifecycle (start, stop, restart, restart after a crash) and the
 * two disposable lists: the extension's (`subscriptions`) and the client's (cleared on every
 * restart). Everything else reaches the daemon through it, and gets a
 * {@link ServerNotRunningError} instead of an exception from a dead client.
 */
export class ConfigSpecContext implements vscode.Disposable {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  #client: LanguageClient | undefined;
  /** Listeners bound to the current client; disposed when it is replaced. */
  #clientSubscriptions: vscode.Disposable[] = [];
  #state: ClientState = "stopped";
  #status: ServerStatus | undefined;
  #profiling: ProfilingProgress | null = null;
  readonly #crashes = new CrashRestartPolicy();
  readonly #shownErrors = new Set<string>();
  readonly #onDidChangeStatus = new vscode.EventEmitter<void>();
  readonly #onDidChangeProfile = new vscode.EventEmitter<void>();
  /** Server status, client state, or profiling progress changed. */
  readonly onDidChangeStatus = this.#onDidChangeStatus.event;
  /** A new profile exists (the panel refetches). */
  readonly onDidChangeProfile = this.#onDidChangeProfile.event;

  constructor(extension: vscode.ExtensionContext, log: vscode.LogOutputChannel) {
    this.extension = extension;
    this.log = log;
    this.subscriptions.push(
      this.#onDidChangeStatus,
      this.#onDidChangeProfile,
      extension.secrets.onDidChange((event) => {
        if (event.key === API_KEY_SECRET && this.running) void this.sendApiKey();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SETTINGS_SECTION)) this.#onDidChangeStatus.fire();
      }),
    );
  }

  /** Extension lifetime. */
  get subscriptions(): vscode.Disposable[] {
    return this.extension.subscriptions;
  }

  get state(): ClientState {
    return this.#state;
  }

  get running(): boolean {
    return this.#state === "running" && this.#client !== undefined;
  }

  get status(): ServerStatus | undefined {
    return this.#status;
  }

  get profiling(): ProfilingProgress | null {
    return this.#profiling;
  }

  set profiling(progress: ProfilingProgress | null) {
    this.#profiling = progress;
    this.#onDidChangeStatus.fire();
  }

  get settings(): ExtensionSettings {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return readExtensionSettings((key) => configuration.get(key));
  }

  /** The running client; throws {@link ServerNotRunningError} otherwise. */
  get client(): LanguageClient {
    if (!this.running || !this.#client) throw new ServerNotRunningError();
    return this.#client;
  }

  profileChanged(): void {
    this.#onDidChangeProfile.fire();
  }

  async start(): Promise<void> {
    if (this.#client) return;
    const serverModule = this.extension.asAbsolutePath("dist/server.js");
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
    };
    const initializationOptions: InitializationOptions = { storagePath: this.extension.globalStorageUri.fsPath };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: this.log,
      initializationOptions,
      middleware: {
        workspace: {
          // The daemon pulls its settings through here: workspace-level drafter paths are vetted first.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            return params.items.map((item, i): unknown => (item.section === SETTINGS_SECTION ? this.#withTrustedDrafters(result[i], item.scopeUri) : result[i]));
          },
        },
      },
      errorHandler: {
        error: (_error, _message, count) => ({ action: (count ?? 0) < 5 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: false }),
        closed: () => this.#closed(),
      },
    };
    const client = new LanguageClient("configspec", "ConfigSpec", serverOptions, clientOptions);
    this.#client = client;
    this.#clientSubscriptions.push(
      client.onDidChangeState(({ newState }) => {
        this.#setState(newState === State.Running ? "running" : newState === State.Starting ? "starting" : "stopped");
        // After a crash restart the daemon has forgotten the key.
        if (newState === State.Running) void this.sendApiKey();
      }),
      client.onNotification(ServerStatusNotification.type, (raw) => {
        const parsed = ServerStatusNotification.params.safeParse(raw);
        if (!parsed.success) {
          this.log.warn(`ignored a malformed ${ServerStatusNotification.method} notification`);
          return;
        }
        this.#status = parsed.data;
        this.#onDidChangeStatus.fire();
        const error = announcedError(parsed.data);
        if (error) this.showErrorOnce(error);
      }),
    );
    this.#setState("starting");
    try {
      await client.start();
    } catch (error) {
      this.#setState("stopped");
      throw error;
    }
    this.#setState("running");
    this.log.info(`ConfigSpec server started (${serverModule})`);
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    for (const subscription of this.#clientSubscriptions.splice(0)) subscription.dispose();
    this.#status = undefined;
    this.#setState("stopped");
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.log.warn(`stopping the server: ${errorMessageOf(error)}`);
      }
    }
  }

  async restart(): Promise<void> {
    this.log.info("restarting the ConfigSpec server");
    await this.stop();
    this.#crashes.reset();
    await this.start();
  }

  /** Sends a typed request, checking the result against its schema. */
  async request<P extends z.ZodType, R extends z.ZodType>(
    request: RequestDescriptor<P, R>,
    params: z.infer<P>,
    token?: vscode.CancellationToken,
  ): Promise<z.infer<R>> {
    const client = this.client;
    // By method name: the result is checked against the schema below either way. (Never pass
    // an undefined token: jsonrpc would send it as a second positional parameter.)
    const result: unknown = token ? await client.sendRequest(request.method, params, token) : await client.sendRequest(request.method, params);
    const parsed = request.result.safeParse(result);
    if (!parsed.success) throw new Error(`${request.method}: the server answered with an unexpected result`);
    return parsed.data;
  }

  /** Writes `configspec.objective` where it is defined (so it takes effect), then tells the daemon at once. */
  async setObjective(objective: Objective): Promise<void> {
    await this.updateSetting("objective", objective);
    this.#onDidChangeStatus.fire();
    if (!this.running) return;
    try {
      await this.request(SetObjectiveRequest, { objective });
    } catch (error) {
      this.log.warn(`setObjective: ${errorMessageOf(error)}`);
    }
  }

  /** Updates a `configspec.*` setting at the most specific level that already sets it (default: user settings). */
  async updateSetting(key: string, value: unknown): Promise<void> {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const inspected = configuration.inspect(key);
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await configuration.update(key, value, target);
  }

  /**
   * Sends the verifier API key from SecretStorage to the daemon. Protocol tracing is switched
   * off for the one request so the key never reaches a trace log.
   */
  async sendApiKey(): Promise<void> {
    if (!this.running) return;
    const apiKey = (await this.extension.secrets.get(API_KEY_SECRET)) ?? null;
    const client = this.client;
    const trace = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string>("trace.server", "off");
    const tracing = trace !== "off";
    try {
      if (tracing) await client.setTrace(Trace.Off);
      await this.request(SetVerifierApiKeyRequest, { apiKey });
    } catch (error) {
      this.log.warn(`could not hand the verifier API key to the server: ${errorMessageOf(error)}`);
    } finally {
      if (tracing) await client.setTrace(Trace.fromString(trace));
    }
  }

  /** Shows each distinct error message once per session; later repeats only reach the log. */
  showErrorOnce(message: string): void {
    this.log.error(message);
    if (this.#shownErrors.has(message)) return;
    this.#shownErrors.add(message);
    void vscode.window.showErrorMessage(message, "Show Logs").then((choice) => {
      if (choice) this.log.show();
    });
  }

  dispose(): void {
    void this.stop();
  }

  /** The `configspec` section with drafters from workspace settings kept only inside the allowed folders. */
  #withTrustedDrafters(section: unknown, scopeUri: string | undefined): unknown {
    if (typeof section !== "object" || section === null || Array.isArray(section)) return section;
    const scope = scopeUri ? vscode.Uri.parse(scopeUri) : undefined;
    const levels = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope).inspect<unknown>("drafters") ?? {};
    const policy = applyWorkspaceDrafterPolicy(levels, join(this.extension.globalStorageUri.fsPath, "models"));
    for (const refused of policy.refused) {
      this.showErrorOnce(`ConfigSpec: drafter "${refused.entry}" from ${refused.level} settings was refused: ${refused.reason}.`);
    }
    return { ...section, drafters: policy.drafters };
  }

  #closed() {
    const decision = this.#crashes.onCrash();
    if (decision.action === "restart") {
      this.log.warn(`the ConfigSpec server stopped unexpectedly; restarting (${decision.crashesInWindow}/${DEFAULT_MAX_CRASH_RESTARTS})`);
      return { action: CloseAction.Restart, handled: true };
    }
    return { action: CloseAction.DoNotRestart, message: decision.message };
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state !== "running") this.#status = undefined;
    this.#onDidChangeStatus.fire();
  }
}
