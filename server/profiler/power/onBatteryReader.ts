import { runCommand as defaultRunCommand, type CommandRunner } from "./commandRunner.js";
import { linuxIsOnBattery } from "./linuxBatterySource.js";
import { macIsOnBattery } from "./macBatterySource.js";
import { DEFAULT_SYSFS_ROOT, sysfsReader, type SysfsReader } from "./sysfsReader.js";
import { windowsIsOnBattery } from "./windowsBatterySource.js";

export interface OnBatteryReaderOptions {
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Root of sysfs on Linux. Default "/sys". */
  sysfsRoot?: string;
  /** Replaces the sysfs reads (tests); default reads under `sysfsRoot`. */
  sysfs?: SysfsReader;
  /** Runs ioreg/powershell; default child_process.execFile. */
  runCommand?: CommandRunner;
}

/** Reads whether the machine runs on battery now (true), on mains (false), or cannot tell (null). */
export type ReadOnBattery = () => Promise<boolean | null>;

/**
 * The live power state from the platform's power sources: sysfs `power_supply` on Linux,
 * ioreg on macOS, WMI on Windows; null elsewhere. Each call reads afresh.
 */
export function createOnBatteryReader(options: OnBatteryReaderOptions = {}): ReadOnBattery {
  const platform = options.platform ?? process.platform;
  const reader = options.sysfs ?? sysfsReader(options.sysfsRoot ?? DEFAULT_SYSFS_ROOT);
  const run = options.runCommand ?? defaultRunCommand;
  if (platform === "linux") return () => linuxIsOnBattery(reader);
  if (platform === "darwin") return () => macIsOnBattery(run);
  if (platform === "win32") return () => windowsIsOnBattery(run);
  return async () => null;
}
