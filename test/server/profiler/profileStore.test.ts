import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PROFILE_SCHEMA_VERSION, ProfileSchema } from "../../../server/profile/profileSchema.js";
import { InvalidProfileError, isProfileReusable, readProfile, validityKeyFor, writeProfile } from "../../../server/profiler/profileStore.js";
import { syntheticProfileInput } from "../../helpers/syntheticProfile.js";

const folder = await mkdtemp(join(tmpdir(), "configspec-profile-"));
after(() => rm(folder, { recursive: true, force: true }));

async function rejectsWith(path: string, reason: InvalidProfileError["reason"], detail?: RegExp): Promise<void> {
  await assert.rejects(readProfile(path), (error: unknown) => {
    assert.ok(error instanceof InvalidProfileError, String(error));
    assert.equal(error.reason, reason);
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

test("a written profile reads back validated, defaults applied", async () => {
  const path = join(folder, "roundtrip.json");
  const input = syntheticProfileInput();
  const written = await writeProfile(path, input);
  const read = await readProfile(path);
  assert.deepEqual(read, written);
  assert.equal(read.schemaVersion, PROFILE_SCHEMA_VERSION);
  assert.equal(read.prices.perServerSecond, 0);
  assert.deepEqual((await readdir(folder)).filter((f) => f.endsWith(".tmp")), [], "no temporary file left");
});

test("missing, half-written, other-version and non-profile files are typed errors", async () => {
  await rejectsWith(join(folder, "absent.json"), "missing");
  const text = JSON.stringify(syntheticProfileInput());
  const half = join(folder, "half.json");
  await writeFile(half, text.slice(0, text.length / 2));
  await rejectsWith(half, "not-json");
  const old = join(folder, "old.json");
  await writeFile(old, JSON.stringify({ ...syntheticProfileInput(), schemaVersion: 0 }));
  await rejectsWith(old, "version", /expected schemaVersion 1, found 0/);
  const bad = syntheticProfileInput();
  bad.drafters[0].acceptanceCurve = [0.5, 1.5];
  const wrong = join(folder, "wrong.json");
  await writeFile(wrong, JSON.stringify(bad));
  await rejectsWith(wrong, "schema", /acceptanceCurve/);
});

test("the schema refuses inconsistent profiles: curve length, duplicate ids, unswept bestThreads", async () => {
  const path = join(folder, "refused.json");
  const duplicate = syntheticProfileInput();
  duplicate.drafters[1].id = duplicate.drafters[0].id;
  await assert.rejects(writeProfile(path, duplicate), /duplicate drafter id/);
  const short = syntheticProfileInput();
  short.drafters[0].acceptanceCurve = [0.7];
  await assert.rejects(writeProfile(path, short), /expected 12 positions \(kMax\), found 1/);
  const threads = syntheticProfileInput();
  threads.drafters[0].bestThreads = 3;
  await assert.rejects(writeProfile(path, threads), /bestThreads 3 is not in the thread sweep/);
  await rejectsWith(path, "missing");
});

test("a refused write leaves the previous profile intact", async () => {
  const path = join(folder, "kept.json");
  await writeProfile(path, syntheticProfileInput());
  const before = await readFile(path, "utf8");
  const broken = syntheticProfileInput();
  broken.kMax = 0;
  await assert.rejects(writeProfile(path, broken), InvalidProfileError);
  assert.equal(await readFile(path, "utf8"), before);
});

test("readers racing a stream of writes only ever see whole profiles", async () => {
  const path = join(folder, "raced.json");
  await writeProfile(path, syntheticProfileInput({ rttMs: 1 }));
  const writes = Array.from({ length: 12 }, (_, i) => writeProfile(path, syntheticProfileInput({ rttMs: 10 + i })));
  const reads = Array.from({ length: 40 }, () => readProfile(path));
  await Promise.all(writes);
  for (const profile of await Promise.all(reads)) assert.ok(profile.verifier.rttMs.median >= 1);
});

test("the validity key changes with the verifier, not with drafter order", () => {
  const machine = { cpuModel: "cpu", cores: 8, os: "linux 6", arch: "x64" };
  const a = { id: "a", uri: "/m/a.gguf", sha256: "0".repeat(64) };
  const b = { id: "b", uri: "/m/b.gguf" };
  const key = validityKeyFor({ drafters: [a, b], verifierBaseUrl: "https://v/v1", verifierModel: "m", machine });
  assert.equal(validityKeyFor({ drafters: [b, a], verifierBaseUrl: "https://v/v1", verifierModel: "m", machine }).hash, key.hash);
  assert.notEqual(validityKeyFor({ drafters: [a, b], verifierBaseUrl: "https://w/v1", verifierModel: "m", machine }).hash, key.hash);
  assert.notEqual(validityKeyFor({ drafters: [a], verifierBaseUrl: "https://v/v1", verifierModel: "m", machine }).hash, key.hash);
  const profile = ProfileSchema.parse({ ...syntheticProfileInput(), validityKey: key });
  assert.equal(isProfileReusable(profile, { drafters: [b, a], verifierBaseUrl: "https://v/v1", verifierModel: "m", machine }), true);
  assert.equal(isProfileReusable(profile, { drafters: [a, b], verifierBaseUrl: "https://v/v1", verifierModel: "m", machine: { ...machine, cores: 4 } }), false);
});
