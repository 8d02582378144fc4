// The daemon SIGKILLed in the middle of a completion. VS Code's language client cannot run here
// without VS Code, so this drives the shipped daemon (dist/server.js, real engine) at the process
// level with the extension's own restart logic (extension/crashRestartPolicy.ts, which
// ConfigSpecContext's errorHandler.closed() consults): the pending request fails instead of
// hanging, the policy says restart, a new daemon is started and re-synced as the client does
// (initialize, didOpen), and the next completion is served. Then the policy's give-up limit.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CrashRestartPolicy } from "../../extension/crashRestartPolicy.js";
import { StatsRequest } from "../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../helpers/daemonProcess.js";
import { modelFamilyFixture } from "../helpers/modelFamilyFixture.js";

const CODE = "function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n";

describe("daemon killed mid-completion", () => {
  const daemons: DaemonProcess[] = [];
  after(async () => {
    for (const daemon of daemons) await daemon.stop();
  });

  async function startDaemon(): Promise<DaemonProcess> {
    const family = await modelFamilyFixture();
    const drafter = family.drafters.find((d) => d.id === "draft-8l-q8_0") ?? family.drafters[0];
    const daemon = await DaemonProcess.start({
      entry: "dist",
      settings: { debounceMs: 0, maxTokens: 128, drafters: [drafter.absolutePath] },
      initializationOptions: { modelFamilyDir: family.dir },
    });
    daemons.push(daemon);
    await daemon.waitForStatus("drafter configured", (s) => s.active?.drafterId === drafter.id);
    return daemon;
  }

  it("fails the pending request, is restarted by the extension's policy, and serves the next completion", async () => {
    const policy = new CrashRestartPolicy();
    const first = await startDaemon();
    // Warm: models loaded, so the kill lands inside a completion, not a model load.
    await first.open("file:///warm.ts", "const warm = 1;\n");
    await first.inlineCompletion("file:///warm.ts", { line: 1, character: 0 }, undefined, 1);
    const runs = (await first.connection.sendRequest(StatsRequest.type, undefined)).counters.engineRuns;

    await first.open("file:///killed.ts", CODE);
    const pending = first.inlineCompletion("file:///killed.ts", endPositionOf(CODE), undefined, 1);
    const outcome = pending.then(
      () => "answered" as const,
      () => "failed" as const,
    );
    for (let i = 0; i < 200 && (await first.connection.sendRequest(StatsRequest.type, undefined)).counters.engineRuns === runs; i++) await delay(5);
    const killedAt = performance.now();
    await first.kill("SIGKILL");
    assert.equal(first.alive, false);
    // What vscode-languageclient's handleConnectionClosed does first: dispose the dead connection,
    // which rejects the requests still waiting on it.
    first.connection.dispose();
    const ended = await Promise.race([outcome, delay(5_000).then(() => "hanging" as const)]);
    assert.equal(ended, "failed", "the request in flight fails when its daemon dies");

    const decision = policy.onCrash();
    assert.deepEqual(decision, { action: "restart", crashesInWindow: 1 });
    const second = await startDaemon();
    await second.open("file:///killed.ts", CODE);
    const next = await second.inlineCompletion("file:///killed.ts", endPositionOf(CODE), undefined, 1);
    const recoveredMs = performance.now() - killedAt;
    assert.ok(next && next.items[0].insertText.length > 0, "the next completion works");
    console.log(`SIGKILL mid-completion → restarted and served the next completion ${recoveredMs.toFixed(0)} ms after the kill`);
  });

  it("gives up after 4 restarts within 3 minutes, and a deliberate restart resets the count", () => {
    let now = 0;
    const policy = new CrashRestartPolicy({ now: () => now });
    for (let i = 1; i <= 4; i++) {
      now += 10_000;
      assert.deepEqual(policy.onCrash(), { action: "restart", crashesInWindow: i });
    }
    now += 10_000;
    const fifth = policy.onCrash();
    assert.equal(fifth.action, "giveUp");
    assert.match(fifth.action === "giveUp" ? fifth.message : "", /crashed 5 times in 3 minutes .* "ConfigSpec: Restart Server"/);
    now += 3 * 60_000;
    assert.deepEqual(policy.onCrash(), { action: "restart", crashesInWindow: 1 }, "old crashes leave the window");
    policy.reset();
    assert.deepEqual(policy.onCrash(), { action: "restart", crashesInWindow: 1 });
  });
});
