import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** The extension's id as VS Code names its log folder. */
const EXTENSION_ID = "configspec.configspec";

/**
 * The two logs the suite reads, under an extension host log folder: the extension host's own
 * (`remoteexthost.log`, where uncaught extension errors land) and ConfigSpec's output channel
 * (`configspec.configspec/ConfigSpec.log`, which also carries the daemon's log messages).
 */
export class ExtensionLogs {
  readonly #dir: string;

  constructor(extensionHostLogDir: string) {
    this.#dir = extensionHostLogDir;
  }

  get hostLogFile(): string {
    return join(this.#dir, "remoteexthost.log");
  }

  get channelLogFile(): string {
    return join(this.#dir, EXTENSION_ID, "ConfigSpec.log");
  }

  async hostLog(): Promise<string> {
    return readFile(this.hostLogFile, "utf8");
  }

  async channelLog(): Promise<string> {
    return readFile(this.channelLogFile, "utf8").catch(() => "");
  }

  /** `[error]` lines of the extension host log. */
  async hostErrors(): Promise<string[]> {
    return (await this.hostLog()).split("\n").filter((line) => line.includes("[error]"));
  }

  /** Channel lines after `fromLine` matching `pattern` (the log only grows, so callers keep a mark). */
  async channelLines(pattern: RegExp, fromLine = 0): Promise<string[]> {
    return (await this.channelLog())
      .split("\n")
      .slice(fromLine)
      .filter((line) => pattern.test(line));
  }

  async channelLineCount(): Promise<number> {
    return (await this.channelLog()).split("\n").length - 1;
  }
}
