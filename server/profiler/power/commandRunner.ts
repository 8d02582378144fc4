import { execFile } from "node:child_process";

/** Runs a program and resolves with its stdout; injectable so parsers are testable off-platform. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<string>;

/** ioreg answers in ~50 ms and powershell's first start can take a few seconds. */
export const COMMAND_TIMEOUT_MS = 10_000;

export const runCommand: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: COMMAND_TIMEOUT_MS, windowsHide: true, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
