import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import { ServerStatusNotification, type ServerStatus } from "../../server/lspContract.js";

/**
 * Which daemon to spawn:
 * - `dist`: the shipped bundle, `dist/server.js` (run `npm run build` first), with the wired engine;
 * - `promptLookup`: the daemon source with {@link PromptLookupCompletionSource} as its engine
 *   (test/helpers/promptLookupDaemonMain.ts, run through tsx) — for completion-path tests
 *   that must not depend on models;
 * - `verifierBacked`: the daemon source with test/helpers/verifierBackedCompletionSource.ts as its
 *   engine — completions really call the configured verifier over HTTP (verifier faults, the
 *   circuit breaker, secrets).
 */
export type DaemonEntry = "dist" | "promptLookup" | "verifierBacked";

const TEST_DAEMON_MAINS: Record<Exclude<DaemonEntry, "dist">, string> = {
  promptLookup: "test/helpers/promptLookupDaemonMain.ts",
  verifierBacked: "test/helpers/verifierBackedDaemonMain.ts",
};

export interface DaemonProcessOptions {
  entry: DaemonEntry;
  /** The `configspec` settings section the fake client answers `workspace/configuration` with. */
  settings?: Record<string, unknown>;
  /** Extra `initializationOptions` (storagePath defaults to a fresh temporary folder). */
  initializationOptions?: Record<string, unknown>;
  /** Environment for the daemon (the prompt-lookup engine reads PROMPT_LOOKUP_ROUND_MS). */
  env?: Record<string, string>;
}

export interface LogMessage {
  type: number;
  message: string;
}

export interface ProgressEvent {
  token: string | number;
  value: unknown;
}

/** A spawned daemon and a JSON-RPC client talking LSP to it over its stdio. */
export class DaemonProcess {
  readonly connection: MessageConnection;
  readonly logs: LogMessage[] = [];
  readonly statuses: ServerStatus[] = [];
  readonly progress: ProgressEvent[] = [];
  /** What `workspace/configuration` answers; change it and call {@link changeSettings}. */
  settings: Record<string, unknown>;
  readonly storagePath: string;
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  #exited = false;
  #waiters: (() => void)[] = [];
  #nextVersion = new Map<string, number>();

  private constructor(child: ChildProcess, settings: Record<string, unknown>, storagePath: string) {
    this.#child = child;
    this.settings = settings;
    this.storagePath = storagePath;
    const { stdout, stdin, stderr } = child;
    if (!stdout || !stdin || !stderr) throw new Error("the daemon was spawned without stdio pipes");
    stderr.on("data", (chunk: Buffer) => this.#stderr.push(chunk.toString()));
    child.on("exit", () => {
      this.#exited = true;
      this.#notify();
    });
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.onRequest("workspace/configuration", (params: { items: { section?: string }[] }) =>
      params.items.map((item) => (item.section === "configspec" ? this.settings : null)),
    );
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("window/workDoneProgress/create", () => null);
    this.connection.onNotification("window/logMessage", (params: LogMessage) => {
      this.logs.push(params);
      this.#notify();
    });
    this.connection.onNotification(ServerStatusNotification.type, (status) => {
      this.statuses.push(status);
      this.#notify();
    });
    this.connection.onNotification("$/progress", (params: ProgressEvent) => {
      this.progress.push(params);
      this.#notify();
    });
    this.connection.listen();
  }

  static async start(options: DaemonProcessOptions): Promise<DaemonProcess> {
    const storagePath = await mkdtemp(join(tmpdir(), "configspec-daemon-test-"));
    const args =
      options.entry === "dist"
        ? [resolve("dist/server.js"), "--stdio"]
        : ["--import", "tsx", resolve(TEST_DAEMON_MAINS[options.entry]), "--stdio"];
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    const daemon = new DaemonProcess(child, { debounceMs: 0, ...options.settings }, storagePath);
    await daemon.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
        textDocument: { inlineCompletion: { dynamicRegistration: false } },
        window: { workDoneProgress: true },
      },
      initializationOptions: { storagePath, ...options.initializationOptions },
    });
    await daemon.connection.sendNotification("initialized", {});
    return daemon;
  }

  /** Resolves when `predicate` holds (checked after every message), rejects after `timeoutMs`. */
  async waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
      if (this.#exited) throw new Error(`daemon exited while waiting for ${what}\n${this.stderr}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; logs:\n${this.logs.map((l) => l.message).join("\n")}`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.min(remaining, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          done();
        });
      });
    }
  }

  waitForStatus(what: string, predicate: (status: ServerStatus) => boolean, timeoutMs?: number): Promise<ServerStatus> {
    return this.waitFor(what, () => this.statuses.findLast(predicate), timeoutMs);
  }

  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<LogMessage> {
    return this.waitFor(`a log line matching ${pattern}`, () => this.logs.find((l) => pattern.test(l.message)), timeoutMs);
  }

  get latestStatus(): ServerStatus | undefined {
    return this.statuses.at(-1);
  }

  get stderr(): string {
    return this.#stderr.join("");
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** The daemon's process id (RSS sampling, kill tests). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Writes one raw JSON-RPC frame (any bytes as the body) to the daemon's stdin: malformed-transport tests. */
  writeRawFrame(body: Buffer): void {
    this.#child.stdin?.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
  }

  /** Sends `signal` to the daemon and resolves once it has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise<void>((done) => (this.#exited ? done() : this.#child.once("exit", () => done())));
    this.#child.kill(signal);
    await exited;
  }

  /** Replaces the settings and tells the daemon (which pulls them back). */
  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
  }

  async open(uri: string, text: string, languageId = "typescript"): Promise<void> {
    this.#nextVersion.set(uri, 2);
    await this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Replaces the whole text (the daemon syncs incrementally; a full-range change is one). */
  async replace(uri: string, text: string): Promise<void> {
    const version = this.#nextVersion.get(uri) ?? 2;
    this.#nextVersion.set(uri, version + 1);
    await this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** `textDocument/inlineCompletion` at the end of `text`'s line/character, with an optional cancellation source. */
  inlineCompletion(
    uri: string,
    position: { line: number; character: number },
    token?: CancellationTokenSource,
    triggerKind: 1 | 2 = 2,
  ): Promise<{ items: { insertText: string }[] } | null> {
    const params = { textDocument: { uri }, position, context: { triggerKind } };
    // A trailing `undefined` would be sent as a second positional parameter.
    return token
      ? this.connection.sendRequest("textDocument/inlineCompletion", params, token.token)
      : this.connection.sendRequest("textDocument/inlineCompletion", params);
  }

  async stop(): Promise<void> {
    try {
      if (!this.#exited) {
        await Promise.race([this.connection.sendRequest("shutdown"), new Promise((done) => setTimeout(done, 5000))]);
        await this.connection.sendNotification("exit");
      }
    } catch {
      // already gone
    }
    const exited = new Promise<void>((done) => (this.#exited ? done() : this.#child.once("exit", () => done())));
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
    await rm(this.storagePath, { recursive: true, force: true });
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The position just after the last character of `text`. */
export function endPositionOf(text: string): { line: number; character: number } {
  const lines = text.split("\n");
  return { line: lines.length - 1, character: (lines.at(-1) ?? "").length };
}

export { CancellationTokenSource };
