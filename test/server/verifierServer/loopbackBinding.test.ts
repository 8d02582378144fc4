// The embedded verifier has no TLS and, by default, no key: it must listen on loopback only unless
// told otherwise. Checked from the outside: its port is refused on every non-loopback address of
// this machine, while a server told to bind 0.0.0.0 answers there (so the addresses do work).
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import { startTargetVerifier } from "../../helpers/verifierTestKit.js";

const externalIpv4 = Object.values(networkInterfaces())
  .flat()
  .flatMap((address) => (address && !address.internal && address.family === "IPv4" ? [address.address] : []));

async function reach(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error && "code" in error.cause ? String(error.cause.code) : String(error);
    return cause;
  }
}

test("by default the embedded verifier answers on 127.0.0.1 and nowhere else", async (t) => {
  if (externalIpv4.length === 0) return t.skip("this machine has no non-loopback IPv4 address to test from");
  const loopback = await startTargetVerifier({ slots: 1, contextSize: 128 });
  assert.equal(loopback.host, "127.0.0.1");
  assert.equal(await reach(`${loopback.baseUrl}/models`), 200);
  for (const address of externalIpv4) assert.equal(await reach(`http://${address}:${loopback.port}/v1/models`), "ECONNREFUSED", address);

  const everywhere = await startTargetVerifier({ slots: 1, contextSize: 128, host: "0.0.0.0", apiKey: "sk-bound-everywhere" });
  for (const address of externalIpv4) assert.equal(await reach(`http://${address}:${everywhere.port}/v1/models`), 401, `${address}: reachable, and keyed`);
});
