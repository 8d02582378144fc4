// Broken drafter files configured in the shipped daemon (dist/server.js, real engine, embedded
// verifier on the generated family): each is refused with a clear error before llama.cpp sees it
// (a missing key would otherwise abort the whole process), the status says so, the daemon lives,
// and a good drafter afterwards serves completions. test/server/modelFiles covers the validator itself.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { modelFamilyFixture, type ModelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

const CODE = "function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return";

/** Each broken copy of a good drafter, and what its error must say. */
function brokenCopies(bytes: Buffer): [string, Buffer, RegExp][] {
  const withU64 = (offset: number, value: bigint) => {
    const copy = Buffer.from(bytes);
    copy.writeBigUInt64LE(value, offset);
    return copy;
  };
  return [
    ["truncated", bytes.subarray(0, Math.floor(bytes.length * 0.6)), /truncated/],
    ["wrong-magic", Buffer.concat([Buffer.from("GGML"), bytes.subarray(4)]), /expected magic "GGUF", found "GGML"/],
    ["wrong-version", Buffer.concat([bytes.subarray(0, 4), Buffer.from([7, 0, 0, 0]), bytes.subarray(8)]), /version 2 or 3, found 7/],
    // llama.cpp aborts the process (GGML_ASSERT) on these two when they reach it.
    ["no-feed-forward", Buffer.from(bytes.toString("latin1").replace("llama.feed_forward_length", "llama.feed_forward_lengtX"), "latin1"), /feed_forward_length/],
    ["no-head-count", Buffer.from(bytes.toString("latin1").replace("llama.attention.head_count\u0004", "llama.attention.head_coun_\u0004"), "latin1"), /head_count/],
    ["absurd-tensor-count", withU64(8, 1n << 60n), /does not parse/],
    ["absurd-kv-count", withU64(16, 1n << 60n), /does not parse/],
    ["absurd-string-length", withU64(24, 1n << 50n), /does not parse/],
    ["empty", Buffer.alloc(0), /at least 24 bytes/],
  ];
}

describe("broken drafter files in the daemon (dist/server.js, real engine)", () => {
  let daemon: DaemonProcess;
  let family: ModelFamilyFixture;
  let dir: string;

  before(async () => {
    family = await modelFamilyFixture();
    dir = await mkdtemp(join(tmpdir(), "configspec-bad-models-"));
    daemon = await DaemonProcess.start({ entry: "dist", settings: { debounceMs: 0, maxTokens: 8 }, initializationOptions: { modelFamilyDir: family.dir } });
    await daemon.waitForLog(/ConfigSpec daemon ready/);
  });
  after(async () => {
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses each broken drafter with a clear error, stays alive, then serves with a good one", async () => {
    const good = family.drafters.find((d) => d.id === "draft-1l-q8_0-n40") ?? family.drafters[0];
    const bytes = await readFile(good.absolutePath);
    for (const [name, content, reason] of brokenCopies(bytes)) {
      const path = join(dir, `${name}.gguf`);
      await writeFile(path, content);
      await daemon.changeSettings({ ...daemon.settings, drafters: [path] });
      await daemon.waitForStatus(`${name} active`, (s) => s.active?.drafterId === name);
      const uri = `file:///${name}.ts`;
      await daemon.open(uri, CODE);
      assert.equal(await daemon.inlineCompletion(uri, endPositionOf(CODE), undefined, 1), null, name);
      const logged = await daemon.waitForLog(new RegExp(`engine could not be built: Invalid model file ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      assert.match(logged.message, reason, name);
      const status = await daemon.waitForStatus(`${name} error status`, (s) => s.health === "error" && (s.message ?? "").includes(path));
      assert.match(status.message ?? "", /Engine unavailable: Invalid model file/);
      assert.ok(daemon.alive, `${name}: ${daemon.stderr}`);
    }
    await daemon.changeSettings({ ...daemon.settings, drafters: [good.absolutePath] });
    await daemon.waitForStatus("good drafter active", (s) => s.active?.drafterId === good.id);
    await daemon.open("file:///good.ts", CODE);
    const served = await daemon.inlineCompletion("file:///good.ts", endPositionOf(CODE), undefined, 1);
    assert.ok(served && served.items[0].insertText.length > 0, "a good drafter serves again");
    await daemon.waitForStatus("healthy again", (s) => s.health !== "error");
  });
});
