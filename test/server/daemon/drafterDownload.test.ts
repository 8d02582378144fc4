// configspec/prepareDrafters downloading a drafter (first run), offline: the model host is a
// 127.0.0.1 server, the daemon is dist/server.js. Progress, the file in the extension's
// storage, no second download when it is there, and cancellation mid-download.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PrepareDraftersRequest } from "../../../server/lspContract.js";
import { CancellationTokenSource, DaemonProcess } from "../../helpers/daemonProcess.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { serveModelFile, type ModelFileServer } from "../../helpers/modelFileServer.js";

describe("configspec/prepareDrafters (download)", () => {
  let daemon: DaemonProcess;
  let host: ModelFileServer;
  let slowHost: ModelFileServer;

  before(async () => {
    const family = await modelFamilyFixture();
    const small = family.drafters.find((d) => d.id === "draft-1l-q8_0-n40") ?? family.drafters[0];
    const large = family.target;
    host = await serveModelFile(small!.absolutePath);
    slowHost = await serveModelFile(large.absolutePath, { bytesPerSecond: 1_000_000 });
    daemon = await DaemonProcess.start({ entry: "dist" });
  });
  after(async () => {
    await daemon?.stop();
    await host?.close();
    await slowHost?.close();
  });

  it("downloads into the extension's storage with progress, once", async () => {
    const { drafters } = await daemon.connection.sendRequest(PrepareDraftersRequest.type, { workDoneToken: "dl", source: { kind: "download", uris: [host.url] } });
    assert.deepEqual(drafters, [host.url], "settings keep the URI; the daemon resolves it to the downloaded file");
    assert.ok(readdirSync(join(daemon.storagePath, "models", "hf")).some((name) => name.endsWith(".gguf")));
    const events = daemon.progress.filter((p) => p.token === "dl").map((p) => p.value as { kind: string; percentage?: number });
    assert.equal(events[0]?.kind, "begin");
    assert.equal(events.at(-1)?.kind, "end");
    const file = join(daemon.storagePath, "models", "hf", readdirSync(join(daemon.storagePath, "models", "hf"))[0] ?? "");
    const before = statSync(file);
    await daemon.connection.sendRequest(PrepareDraftersRequest.type, { source: { kind: "download", uris: [host.url] } });
    const after = statSync(file);
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], "an existing file is not downloaded again");
  });

  it("stops a download when the request is cancelled", async () => {
    const source = new CancellationTokenSource();
    const request = daemon.connection.sendRequest(PrepareDraftersRequest.type, { workDoneToken: "slow", source: { kind: "download", uris: [slowHost.url] } }, source.token);
    await daemon.waitFor("the slow download started", () => slowHost.requests > 0);
    source.cancel();
    await assert.rejects(request, (error: { code?: number }) => error.code === -32800);
    await daemon.waitForLog(/Downloading drafters: cancelled/);
    assert.ok(!readdirSync(join(daemon.storagePath, "models", "hf")).includes("target-8l-f32.gguf"), "no partial file is left to be mistaken for a model");
    assert.ok(daemon.alive);
  });
});
