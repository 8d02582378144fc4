import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Default root of the kernel's sysfs; tests point the meter at a folder of fake files instead. */
export const DEFAULT_SYSFS_ROOT = "/sys";

/** How the Linux sources read sysfs: a root folder, and (for tests) the read itself. */
export interface SysfsReader {
  readonly root: string;
  readText(relativePath: string): Promise<string>;
  list(relativePath: string): Promise<string[]>;
}

export function sysfsReader(root: string = DEFAULT_SYSFS_ROOT): SysfsReader {
  return {
    root,
    readText: async (relativePath) => (await readFile(join(root, relativePath), "utf8")).trim(),
    list: async (relativePath) => {
      try {
        return (await readdir(join(root, relativePath))).sort();
      } catch {
        return [];
      }
    },
  };
}

/** The text of a sysfs file, or undefined when it is missing or unreadable. */
export async function readOptional(reader: SysfsReader, relativePath: string): Promise<string | undefined> {
  try {
    return await reader.readText(relativePath);
  } catch {
    return undefined;
  }
}

/** A sysfs integer, or undefined when missing, unreadable or not a number. */
export async function readInteger(reader: SysfsReader, relativePath: string): Promise<number | undefined> {
  const text = await readOptional(reader, relativePath);
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
