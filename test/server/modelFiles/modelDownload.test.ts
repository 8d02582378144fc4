import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { loadModel, resolveModelPath } from "../../../server/modelFiles/modelLoader.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";
import { tempDir } from "../../helpers/tempDir.js";

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1 serving the two routes node-llama-cpp's
 * resolver uses for `hf:org/repo:QUANT`: the manifest and the file download. The download
 * code path is the real one users run; only the host differs.
 */
async function startHub(file: Buffer, requests: string[]): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/v2/configspec/tiny-coder-GGUF/manifests/Q8_0") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ggufFile: { rfilename: "tiny-coder.Q8_0.gguf", size: file.length } }));
      return;
    }
    if (url.pathname === "/configspec/tiny-coder-GGUF/resolve/main/tiny-coder.Q8_0.gguf") {
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Number(range[2]) : file.length - 1;
      const headers = { "content-type": "application/octet-stream", "accept-ranges": "bytes", "content-length": String(end - start + 1) };
      if (range) res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${file.length}` });
      else res.writeHead(200, headers);
      if (req.method === "HEAD") res.end();
      else res.end(file.subarray(start, end + 1));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

test("an hf: URI downloads through node-llama-cpp's resolver with progress, then loads", async () => {
  const { drafters } = await modelFamilyFixture();
  const bytes = await readFile(drafters[0].absolutePath);
  const requests: string[] = [];
  const { endpoint } = await startHub(bytes, requests);
  const directory = await tempDir();
  const progress: number[] = [];
  const model = await loadModel("hf:configspec/tiny-coder-GGUF:Q8_0", {
    directory,
    huggingFaceEndpoint: endpoint,
    onProgress: ({ downloadedBytes, totalBytes }) => {
      assert.equal(totalBytes, bytes.length);
      progress.push(downloadedBytes);
    },
  });
  try {
    assert.ok(progress.length > 0 && progress.at(-1) === bytes.length, "progress reaches the full size");
    assert.ok(requests.some((r) => r.includes("/manifests/Q8_0")));
    assert.ok(model.tokenize("return x").length > 0);
  } finally {
    await model.dispose();
  }
  // Resolving again finds the downloaded file without any request and without network.
  const before = requests.length;
  const path = await resolveModelPath("hf:configspec/tiny-coder-GGUF:Q8_0", { directory, huggingFaceEndpoint: endpoint, download: false });
  assert.equal(requests.length, before);
  assert.equal(createHash("sha256").update(await readFile(path)).digest("hex"), drafters[0].sha256);
});
