// A corrupt or half-written profile file when the daemon starts (over a real LSP connection, the
// prompt-lookup daemon with the synthetic profiler): detected by the store's schema, logged with
// its reason, ignored — the daemon runs on defaults, alive — and the next profile run replaces it.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readProfile } from "../../../server/profiler/profileStore.js";
import { GetProfileRequest, ProfileRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { SYNTHETIC_DRAFTERS } from "../../helpers/syntheticProfile.js";

const CODE = "function add(a, b) {\n  return a + b;\n}\n\nfunction add(a, b) {\n  return";

describe("corrupt profile file at daemon start", () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function daemonWithProfile(content: string | Buffer): Promise<{ daemon: DaemonProcess; storagePath: string }> {
    const storagePath = await mkdtemp(join(tmpdir(), "configspec-corrupt-profile-"));
    await writeFile(join(storagePath, "profile.json"), content);
    const daemon = await DaemonProcess.start({
      entry: "promptLookup",
      env: { PROFILE_STEP_MS: "5" },
      settings: { verifier: { baseUrl: "http://127.0.0.1:9/v1" }, drafters: SYNTHETIC_DRAFTERS.map((d) => `/models/${d.id}.gguf`), objective: "latency" },
      initializationOptions: { storagePath },
    });
    cleanups.push(async () => {
      await daemon.stop();
      await rm(storagePath, { recursive: true, force: true });
    });
    // Settings are applied (verifier, drafters) once it says it is ready.
    await daemon.waitForLog(/ConfigSpec daemon ready/);
    return { daemon, storagePath };
  }

  it("ignores each kind of broken file with its reason, and keeps serving", async () => {
    // A valid profile, to cut in half: a write interrupted by a crash looks like this.
    const { daemon: writer, storagePath } = await daemonWithProfile("{}");
    await writer.connection.sendRequest(ProfileRequest.type, {});
    const valid = await readFile(join(storagePath, "profile.json"), "utf8");
    const cases: [string, string | Buffer, RegExp][] = [
      ["half-written", valid.slice(0, Math.floor(valid.length / 2)), /\(not-json\)/],
      ["binary", Buffer.from([0x00, 0xff, 0x1f, 0x8b, 0x08]), /\(not-json\)/],
      ["empty", "", /\(not-json\)/],
      ["wrong schema", JSON.stringify({ ...JSON.parse(valid), createdAt: 5, drafters: "all of them" }), /\(schema\)/],
      ["future version", JSON.stringify({ ...JSON.parse(valid), schemaVersion: 999 }), /\(version\)/],
    ];
    for (const [name, content, reason] of cases) {
      const { daemon } = await daemonWithProfile(content);
      const logged = await daemon.waitForLog(/stored profile ignored: Invalid profile/);
      assert.match(logged.message, reason, name);
      assert.equal((await daemon.connection.sendRequest(GetProfileRequest.type, undefined)).profile, null, name);
      await daemon.open("file:///a.ts", CODE);
      const result = await daemon.inlineCompletion("file:///a.ts", endPositionOf(CODE), undefined, 1);
      assert.equal(result?.items[0]?.insertText, " a + b;", `${name}: completions still served`);
      assert.ok(daemon.alive, name);
    }
  });

  it("replaces a broken profile with the next profile run", async () => {
    const { daemon, storagePath } = await daemonWithProfile('{"schemaVersion": 1, "createdAt": "2026-');
    await daemon.waitForLog(/stored profile ignored/);
    const { profile } = await daemon.connection.sendRequest(ProfileRequest.type, {});
    assert.ok(profile.configurations.length > 0);
    const stored = await readProfile(join(storagePath, "profile.json"));
    assert.equal(stored.createdAt, (await daemon.connection.sendRequest(GetProfileRequest.type, undefined)).profile?.profiledAt);
  });
});
