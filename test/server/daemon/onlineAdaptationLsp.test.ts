// Online adaptation over a real LSP connection: the shipped daemon (dist/server.js) with the
// real engine, a real verifier behind a proxy on 127.0.0.1, and a profile that picks
// speculation at a 5 ms round trip. When the proxy starts adding 1.5 s to every request, the
// daemon's running estimates must move it the way the model says — fewer, longer rounds (a
// larger K) or the verifier alone (one request per completion) — and say so in its status.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { startFaultInjectingProxy } from "../../helpers/faultInjectingProxy.js";
import { familyShapedProfile, storageWithProfile } from "../../helpers/familyShapedProfile.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

const family = await modelFamilyFixture();
// A verifier step as a cloud model takes it (the fixture's target decodes in ~2 ms, as fast as a
// drafter): the latency objective ranks by the first line, which speculation wins at loopback
// only when a verifier step costs more than drafting a few tokens.
const server = await startVerifierServer({ modelPath: family.target.absolutePath, stepDelayMs: 20 });
after(() => server.close());
const proxy = await startFaultInjectingProxy(server.url);
after(() => proxy.close());

const profile = familyShapedProfile(family.drafters, { rttMs: 5, draftSpeedup: 20, verifier: { baseUrl: proxy.baseUrl, model: server.modelId } });
const storagePath = await storageWithProfile(profile, "configspec-adaptation-");

test("a round trip that grows from loopback to 1.5 s moves the daemon to a larger K or verifier-only", { timeout: 300_000 }, async () => {
  const daemon = await DaemonProcess.start({
    entry: "dist",
    settings: {
      debounceMs: 0,
      maxTokens: 24,
      objective: "latency",
      drafters: family.drafters.map((d) => d.absolutePath),
      verifier: { baseUrl: proxy.baseUrl, model: server.modelId, protocol: "logprobs" },
    },
    initializationOptions: { storagePath, modelFamilyDir: family.dir },
  });
  try {
    const first = await daemon.waitForStatus("the profile's pick", (s) => s.active?.source === "profile");
    // Which drafter the synthetic profile favours follows the performance model; a speculative pick is what counts here.
    assert.ok(family.drafters.some((d) => d.id === first.active?.drafterId), `a family drafter: ${JSON.stringify(first.active)}`);
    assert.ok((first.active?.k ?? 0) >= 1);

    let line = 0;
    const complete = async () => {
      // A new document each time: no answer may come from the type-through cache.
      const uri = `file:///adapt-${line++}.ts`;
      const text = `// request ${line}\nfunction f${line}(values: number[]) {\n  let total = 0;\n  for (const v of values) total += v * ${line};\n  return`;
      await daemon.open(uri, text);
      await daemon.inlineCompletion(uri, endPositionOf(text), undefined, 1);
    };
    for (let i = 0; i < 4; i++) await complete();
    // Real acceptance may already differ from the profile's and move K; what counts is the next move.
    const beforeDelay = daemon.latestStatus?.active;
    assert.notEqual(beforeDelay?.drafterId, null, "at loopback speed speculation stays the pick");
    const switchesBefore = daemon.logs.filter((l) => /online adaptation: .*margin/.test(l.message) && !/within/.test(l.message)).length;

    proxy.setDefault({ kind: "delay", ms: 1500 });
    const moved = () => {
      const active = daemon.latestStatus?.active;
      return active !== undefined && active !== null && (active.drafterId === null || active.k > (beforeDelay?.k ?? 0));
    };
    for (let i = 0; i < 8 && !moved(); i++) await complete();
    const adapted = daemon.latestStatus?.active;
    console.log(`before the slow link: ${JSON.stringify(beforeDelay)}; after: ${JSON.stringify(adapted)}`);
    assert.ok(moved(), `active before the slow link ${JSON.stringify(beforeDelay)}, after ${JSON.stringify(adapted)}`);
    assert.equal(adapted?.source, "adapted");
    const switches = daemon.logs.filter((l) => /online adaptation: .*margin/.test(l.message) && !/within/.test(l.message));
    assert.ok(switches.length > switchesBefore, "the switch is logged with its reason");
  } finally {
    proxy.setDefault({ kind: "forward" });
    await daemon.stop();
  }
});
