import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usageError.js";

/** node:util parseArgs, with unknown flags and stray positionals reported as usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requireFlag<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`missing --${flag}`);
  return value;
}

export function integerFlag(value: string | undefined, flag: string, { min = 0, fallback }: { min?: number; fallback?: number } = {}): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing --${flag}`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} expects an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}
