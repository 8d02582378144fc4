// The verifier API key must never leave SecretStorage → daemon memory → the Authorization header.
// A recognisable key is handed to a real daemon (over LSP) whose verifier is a real HTTP server on
// 127.0.0.1 that refuses it (401), fails (500, 400) and echoes the key back in every error body;
// completions, probes, the circuit breaker and a profile run all happen; then every log line,
// status, response, stderr byte and file the daemon wrote is searched for the key.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GetProfileRequest, ProfileRequest, SetVerifierApiKeyRequest, StatsRequest } from "../../../server/lspContract.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { startFaultyHttpServer, type FaultyHandler, type FaultyHttpServer } from "../../helpers/faultyHttpServer.js";

const CANARY = "sk-canary-3f9d1c7be5a24e08b6d1";
const echoing =
  (status: number): FaultyHandler =>
  (request) => ({ kind: "json", status, body: { error: { message: `Incorrect API key provided: ${request.headers.authorization ?? "none"} (key ${CANARY})` } } });

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the verifier API key never leaks", () => {
  let server: FaultyHttpServer;
  let daemon: DaemonProcess;
  const responses: unknown[] = [];

  before(async () => {
    server = await startFaultyHttpServer();
    server.setHandler(echoing(401));
    daemon = await DaemonProcess.start({
      entry: "verifierBacked",
      env: { CIRCUIT_COOL_DOWN_MS: "200" },
      settings: { verifier: { baseUrl: `${server.baseUrl}/v1`, model: "toy" }, drafters: ["/models/test-drafter.gguf"], debounceMs: 0 },
    });
  });
  after(async () => {
    await daemon?.stop();
    await server?.close();
  });

  it("is used only as the bearer token, through every failure path", async () => {
    responses.push(await daemon.connection.sendRequest(SetVerifierApiKeyRequest.type, { apiKey: CANARY }));
    const complete = async (name: string) => {
      const text = `const ${name} = compute`;
      await daemon.open(`file:///${name}.ts`, text);
      responses.push(await daemon.inlineCompletion(`file:///${name}.ts`, endPositionOf(text), undefined, 1));
    };
    // 401: auth errors, and the reachability probe reporting the rejected key.
    for (let i = 0; i < 3; i++) await complete(`auth${i}`);
    await daemon.waitForLog(/engine failed: Verifier at .* refused the credentials/);
    await daemon.waitForStatus("key rejected", (s) => /rejected the API key/.test(s.message ?? ""));
    // 400: a request error carrying the server's (echoing) message.
    server.setHandler(echoing(400));
    await complete("request");
    await daemon.waitForLog(/rejected POST \/completions: expected HTTP 2xx, found 400/);
    // 500: unavailability, the circuit opens, the breaker probes with the key.
    server.setHandler(echoing(500));
    for (let i = 0; i < 3; i++) await complete(`down${i}`);
    await daemon.waitForStatus("circuit open", (s) => /Verifier unavailable/.test(s.message ?? ""));
    await daemon.waitForLog(/verifier probe: failing/);
    // A profile run writes the profile file with the key in the daemon's hands.
    responses.push(await daemon.connection.sendRequest(ProfileRequest.type, { workDoneToken: "profile" }));
    responses.push(await daemon.connection.sendRequest(GetProfileRequest.type, undefined));
    responses.push(await daemon.connection.sendRequest(StatsRequest.type, undefined));

    // Positive control: the key really was sent, as the bearer token and only there.
    const authorizations = server.requests.map((r) => r.headers.authorization);
    assert.ok(authorizations.length >= 8, `${authorizations.length} requests reached the verifier`);
    assert.ok(authorizations.every((a) => a === `Bearer ${CANARY}`), "every request carried the key as its bearer token");
    assert.ok(server.requests.every((r) => !r.body.includes(CANARY) && !r.url.includes(CANARY)), "never in a body or URL");

    // Every file the daemon wrote (stop() removes its storage folder, so read them first).
    const files = await filesUnder(daemon.storagePath);
    assert.ok(files.some((f) => f.endsWith("profile.json")), `the profile file was written: ${files.join(", ")}`);
    const fileTexts: [string, string][] = await Promise.all(files.map(async (f): Promise<[string, string]> => [f, (await readFile(f)).toString("latin1")]));
    await daemon.stop();
    const haystacks: [string, string][] = [
      ["log messages", daemon.logs.map((l) => l.message).join("\n")],
      ["status notifications", JSON.stringify(daemon.statuses)],
      ["progress notifications", JSON.stringify(daemon.progress)],
      ["responses", JSON.stringify(responses)],
      ["stderr", daemon.stderr],
      ...fileTexts,
    ];
    for (const [what, text] of haystacks) assert.ok(!text.includes(CANARY), `the key leaked into ${what}: …${text.slice(Math.max(0, text.indexOf(CANARY) - 120), text.indexOf(CANARY) + 40)}…`);
    assert.ok(daemon.logs.length > 10, "there were logs to search");
  });
});
