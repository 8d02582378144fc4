// The shipped daemon (dist/server.js) end to end with the real engine and the embedded
// verifier on the generated model family: first-run preparation, served completions,
// type-through, the cancellation storm.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PrepareDraftersRequest, StatsRequest, type StatsResult } from "../../../server/lspContract.js";
import { CancellationTokenSource, DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

const CODE = "function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return";

describe("daemon with the real engine (dist/server.js, generated family, embedded verifier)", () => {
  let daemon: DaemonProcess;

  const stats = (): Promise<StatsResult> => daemon.connection.sendRequest(StatsRequest.type, undefined);

  before(async () => {
    const family = await modelFamilyFixture();
    daemon = await DaemonProcess.start({ entry: "dist", settings: { debounceMs: 0, maxTokens: 24 }, initializationOptions: { modelFamilyDir: family.dir } });
    const { drafters } = await daemon.connection.sendRequest(PrepareDraftersRequest.type, { source: { kind: "generated" } });
    assert.deepEqual([...drafters].sort(), family.drafters.map((d) => d.absolutePath).sort(), "the existing family is reused, not regenerated");
    const best = family.drafters.find((d) => d.id === "draft-8l-q8_0");
    await daemon.changeSettings({ ...daemon.settings, drafters: [best?.absolutePath ?? drafters[0]] });
    await daemon.waitForStatus("drafter configured", (s) => s.active?.drafterId === "draft-8l-q8_0");
    await daemon.open("file:///real.ts", CODE);
    const first = await daemon.inlineCompletion("file:///real.ts", endPositionOf(CODE), undefined, 1);
    assert.notEqual(first, null, `no completion: ${daemon.logs.map((l) => l.message).slice(-3).join(" | ")}`);
  });
  after(async () => daemon?.stop());

  it("serves a verified completion from the generated family", async () => {
    const { last, counters } = await stats();
    assert.ok(counters.served >= 1, "the first completion was served");
    assert.equal(last?.served.verified, true);
    assert.equal(last?.served.drafterId, "draft-8l-q8_0");
    assert.ok(last && last.tokens > 0 && last.rounds > 0);
    assert.ok(last.acceptance !== null && last.acceptance > 0.5, `acceptance ${last.acceptance} of the best drafter`);
    await daemon.waitForStatus("verifier reachable", (s) => s.verifierReachable === true && s.lastLatencyMs !== null);
  });

  it("answers type-through from the cache", async () => {
    const result = await daemon.inlineCompletion("file:///real.ts", endPositionOf(CODE));
    const text = result?.items[0]?.insertText ?? "";
    assert.ok(text.length >= 2, "a completion of at least two characters to type through");
    const before = await stats();
    const typed = CODE + text.slice(0, 1);
    await daemon.replace("file:///real.ts", typed);
    const rest = await daemon.inlineCompletion("file:///real.ts", endPositionOf(typed));
    assert.equal(rest?.items[0]?.insertText, text.slice(1));
    const afterStats = await stats();
    assert.equal(afterStats.counters.engineRuns, before.counters.engineRuns);
    await daemon.replace("file:///real.ts", CODE);
  });

  it("runs only the newest request of a cancellation storm", async () => {
    await daemon.changeSettings({ ...daemon.settings, debounceMs: 50 });
    await daemon.waitForLog(/settings changed: debounceMs/);
    const text = `${CODE} a - b;\n}\n\nfunction mul(a, b) {\n`;
    await daemon.replace("file:///real.ts", text);
    const before = await stats();
    const sources = Array.from({ length: 10 }, () => new CancellationTokenSource());
    const requests = sources.map((source) => daemon.inlineCompletion("file:///real.ts", endPositionOf(text), source).catch(() => null));
    for (const source of sources.slice(0, -1)) source.cancel();
    await Promise.all(requests);
    const afterStats = await stats();
    assert.equal(afterStats.counters.engineRuns - before.counters.engineRuns, 1);
    assert.ok(daemon.alive);
  });
});
