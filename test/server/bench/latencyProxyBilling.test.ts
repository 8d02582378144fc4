// The typing benchmark's latency proxy counts the tokens llama-server's native /completion bills
// (prefix-probe rounds answer one result per prompt, without an OpenAI `usage`).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { once } from "node:events";
import { describe, it } from "node:test";
import { startLatencyProxy } from "../../../server/bench/typing/latencyProxy.js";

describe("latency proxy billing", () => {
  it("counts llama-server /completion answers per prompt: tokens_evaluated, tokens_predicted, timings.cache_n", async () => {
    const answer = [
      { content: "a", tokens_evaluated: 100, tokens_predicted: 1, timings: { cache_n: 90, prompt_n: 10 } },
      { content: "b", tokens_evaluated: 104, tokens_predicted: 1, timings: { cache_n: 0, prompt_n: 104 } },
    ];
    const upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer)));
    });
    upstream.listen(0, "127.0.0.1");
    await once(upstream, "listening");
    const address = upstream.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const proxy = await startLatencyProxy(`http://127.0.0.1:${port}`, 0);
    try {
      const response = await fetch(`${proxy.baseUrl.replace(/\/v1$/, "")}/completion`, { method: "POST", body: JSON.stringify({ prompt: [[1, 2], [1, 3]] }) });
      assert.deepEqual(await response.json(), answer);
      assert.equal(proxy.traffic.calls, 1);
      assert.equal(proxy.traffic.promptTokens, 204);
      assert.equal(proxy.traffic.completionTokens, 2);
      assert.equal(proxy.traffic.cachedTokens, 90);
    } finally {
      await proxy.close();
      upstream.close();
    }
  });
});
