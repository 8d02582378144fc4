import { createHash, randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { PROFILE_SCHEMA_VERSION, ProfileSchema, type Profile, type ProfileInput, type ValidityKey } from "../profile/profileSchema.js";
import { errorMessageOf } from "../util/errorMessage.js";

/** Why a profile file cannot be used; every reason means "profile again". */
export type InvalidProfileReason = "missing" | "unreadable" | "not-json" | "version" | "schema";

/** A profile file that is absent, half-written, of another version or not a profile. */
export class InvalidProfileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: InvalidProfileReason,
    readonly detail: string,
  ) {
    super(`Invalid profile ${path} (${reason}): ${detail}`);
    this.name = "InvalidProfileError";
  }
}

/** Reads and validates a profile. Throws {@link InvalidProfileError} for anything but a valid profile. */
export async function readProfile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") throw new InvalidProfileError(path, "missing", "expected a profile file, found none");
    throw new InvalidProfileError(path, "unreadable", `cannot read it (${code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // A crash between open and rename cannot produce this (writes are atomic); a hand edit can.
    throw new InvalidProfileError(path, "not-json", `expected JSON, found ${text.length} bytes that do not parse (${errorMessageOf(error)})`);
  }
  const version = z.object({ schemaVersion: z.unknown() }).safeParse(json);
  const found = version.success ? version.data.schemaVersion : undefined;
  if (found !== PROFILE_SCHEMA_VERSION) {
    throw new InvalidProfileError(path, "version", `expected schemaVersion ${PROFILE_SCHEMA_VERSION}, found ${JSON.stringify(found) ?? "none"}`);
  }
  const parsed = ProfileSchema.safeParse(json);
  if (!parsed.success) throw new InvalidProfileError(path, "schema", z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * Validates and writes a profile atomically: a temporary file in the same folder, fsync, then
 * rename over the target (and fsync the folder where the platform allows it), so a reader sees
 * either the old profile or the new one, never half of one.
 */
export async function writeProfile(path: string, profile: ProfileInput): Promise<Profile> {
  const parsed = ProfileSchema.safeParse(profile);
  if (!parsed.success) throw new InvalidProfileError(path, "schema", `refusing to write: ${z.prettifyError(parsed.error)}`);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(parsed.data, null, 2)}\n`, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
  return parsed.data;
}

/** The parts of a validity key; the hash is derived from them. */
export type ValidityKeyParts = Omit<ValidityKey, "hash">;

/** Builds a validity key: sha256 over a canonical form (drafters sorted by id, keys sorted). */
export function validityKeyFor(parts: ValidityKeyParts): ValidityKey {
  const drafters = [...parts.drafters]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((d) => ({ id: d.id, uri: d.uri, ...(d.sha256 === undefined ? {} : { sha256: d.sha256 }) }));
  const canonical = {
    drafters,
    machine: { arch: parts.machine.arch, cores: parts.machine.cores, cpuModel: parts.machine.cpuModel, os: parts.machine.os },
    verifierBaseUrl: parts.verifierBaseUrl,
    verifierModel: parts.verifierModel,
  };
  const hash = createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
  return { ...canonical, hash };
}

/** True when the profile was measured for exactly these drafters, verifier and machine. */
export function isProfileReusable(profile: Profile, current: ValidityKeyParts): boolean {
  return profile.validityKey.hash === validityKeyFor(current).hash;
}

async function syncFolder(folder: string): Promise<void> {
  // Makes the rename durable on POSIX; opening a folder is not allowed on Windows, where
  // the rename is durable enough for a cache we can always re-measure.
  try {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}
