import type { RemoteConsole } from "vscode-languageserver";

/**
 * The daemon's levelled logger: `window/logMessage`, which the extension shows in its one
 * LogOutputChannel at the matching level. Never writes to stdout (the transport may be stdio).
 */
export interface DaemonLogger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export function daemonLoggerOf(console: RemoteConsole): DaemonLogger {
  return {
    error: (message) => console.error(message),
    warn: (message) => console.warn(message),
    info: (message) => console.info(message),
    debug: (message) => console.debug(message),
  };
}
