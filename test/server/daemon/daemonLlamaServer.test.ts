// The shipped daemon (dist/server.js) with a real llama-server as its verifier: a file typed
// into it gets suggestions, and the faults a real engine causes — killed and restarted while a
// person types, a prompt past its context window — leave a clear status, lose no edit, need no
// daemon restart, and recover on their own.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLlamaServer, freePort, type RunningEngine } from "../../../scripts/engines/engineProcess.js";
import { StatsRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { bundledFamily } from "../../helpers/bundledFamily.js";
import { llamaServerForFile } from "../../helpers/realEngines.js";

const URI = "file:///typed.py";
const CODE = "import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n        return [line.rstrip() for line in handle]\n\n\ndef count_words(path):\n";

const family = await bundledFamily();
const drafter = family.drafters.find((d) => d.training?.tokenizer === family.target.training?.tokenizer)!;
const port = await freePort();
let server: RunningEngine = await llamaServerForFile({ slots: 5, port });
after(() => server.stop()); // the one restarted on the same port

describe("daemon with a real llama-server as its verifier", () => {
  let daemon: DaemonProcess;
  let typed = CODE;
  const typeAndAsk = async (more: string) => {
    typed += more;
    await daemon.replace(URI, typed);
    const result = await daemon.inlineCompletion(URI, endPositionOf(typed));
    return result?.items[0]?.insertText ?? null;
  };

  before(async () => {
    daemon = await DaemonProcess.start({
      entry: "dist",
      settings: { debounceMs: 0, maxTokens: 24, verifier: { baseUrl: server.baseUrl, model: server.model, protocol: "auto" }, drafters: [drafter.absolutePath] },
      initializationOptions: { modelFamilyDir: family.dir },
    });
    await daemon.open(URI, typed, "python");
  });
  after(async () => daemon?.stop());

  it("shows suggestions while a file is typed, and the status names llama-server and the protocol", async () => {
    const shown: (string | null)[] = [];
    for (const more of ["    ", "words = 0\n", "    for line in read_lines(path):\n", "        "]) shown.push(await typeAndAsk(more));
    const logs = daemon.logs.map((l) => l.message).join("\n");
    // A pause may show nothing for a named reason (the stop rules left nothing); never for an engine error.
    assert.doesNotMatch(logs, /engine could not be built|engine failed|verifierUnavailable|engineUnavailable/);
    assert.ok(shown.filter((text) => text !== null && text.length > 0).length >= shown.length / 2, `suggestions: ${JSON.stringify(shown)}\n${logs}`);
    const status = await daemon.waitForStatus("the protocol in the status", (s) => s.verifierProtocol != null);
    assert.match(status.verifierProtocol!.reason, /prefix-probe/);
    assert.equal(status.verifierProtocol!.engine, "llama-server");
  });

  it("llama-server killed while typing: a clear status, no crash, and suggestions return when it is back on its own", async () => {
    const servedBefore = (await daemon.connection.sendRequest(StatsRequest.type, undefined)).counters.served;
    server.kill();
    await server.stop();
    const whileDown = await typeAndAsk("words += len(line.split())\n    ");
    assert.equal(whileDown, null, "no unverified suggestion while the verifier is down (allowUnverified is off)");
    await daemon.waitForStatus("verifier unreachable", (s) => s.verifierReachable === false, 30_000);
    assert.ok(daemon.alive);
    server = await startLlamaServer({ model: family.target.absolutePath, slots: 5, port });
    // The daemon probes on its own; the first requests after a restart meet cold slots.
    let back: string | null = null;
    const deadline = Date.now() + 90_000;
    while (back === null && Date.now() < deadline) {
      back = await typeAndAsk("");
      if (back === null) await new Promise((done) => setTimeout(done, 1_000));
    }
    assert.ok(back !== null && back.length > 0, `a suggestion after the restart\n${daemon.logs.map((l) => l.message).slice(-8).join("\n")}`);
    const { counters } = await daemon.connection.sendRequest(StatsRequest.type, undefined);
    assert.ok(counters.served > servedBefore, "served again after the restart");
    assert.ok(daemon.alive);
  });

  it("a prompt past llama-server's context window is cut to fit, not refused", async () => {
    // 256 tokens per slot: the bundled corpus's files are far longer.
    const small = await startLlamaServer({ model: family.target.absolutePath, slots: 2, contextSize: 512 });
    after(() => small.stop());
    const mark = daemon.logs.length;
    await daemon.changeSettings({ ...daemon.settings, verifier: { baseUrl: small.baseUrl, model: small.model, protocol: "auto" } });
    await daemon.waitFor("the new verifier URL applied", () => daemon.logs.slice(mark).some((l) => /settings changed: .*verifier\.baseUrl/.test(l.message)));
    const long = `${Array.from({ length: 120 }, (_, i) => `def helper_${i}(value):\n    return value * ${i}\n`).join("\n")}\n\ndef total(values):\n    `;
    await daemon.replace(URI, long);
    typed = long;
    const text = await typeAndAsk("");
    assert.ok(text !== null && text.length > 0, `a suggestion from a 256-token window\n${daemon.logs.map((l) => l.message).slice(-8).join("\n")}`);
  });
});
