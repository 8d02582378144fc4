// Serves the bundled target from a real engine until interrupted, for benchmarks and by-hand
// runs: prints the base URL and the model name, then waits.
//   node --import tsx scripts/engines/serve.ts --engine llama-server|vllm [--port N] [--slots N] [--draft GGUF --draft-max K]
import { parseArgs } from "node:util";
import { bundledFamily } from "../../test/helpers/bundledFamily.js";
import { bundledTargetHfDir } from "../../test/helpers/realEngines.js";
import { startLlamaServer, startVllm } from "./engineProcess.js";

const { values } = parseArgs({ options: { engine: { type: "string", default: "llama-server" }, port: { type: "string" }, slots: { type: "string", default: "9" }, draft: { type: "string" }, "draft-max": { type: "string", default: "4" } } });
const port = values.port === undefined ? undefined : Number(values.port);
const { target } = await bundledFamily();
const engine =
  values.engine === "vllm"
    ? await startVllm({ modelDir: await bundledTargetHfDir(), port })
    : await startLlamaServer({ model: target.absolutePath, slots: Number(values.slots), port, ...(values.draft && { draft: { model: values.draft, maxTokens: Number(values["draft-max"]) } }) });
console.log(`${engine.baseUrl} ${engine.model}`);
const stop = () => void engine.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setInterval(() => {
  if (!engine.alive()) {
    console.error(engine.log().slice(-2000));
    process.exit(1);
  }
}, 1000);
