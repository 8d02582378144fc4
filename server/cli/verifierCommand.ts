import { resolve } from "node:path";
import { DEFAULT_VERIFIER_HOST, DEFAULT_VERIFIER_SLOTS, startVerifierServer } from "../verifierServer/startVerifierServer.js";
import type { CliCommand } from "./cliCommand.js";
import { integerFlag, parseFlags, requireFlag } from "./parseFlags.js";
import { UsageError } from "./usageError.js";

/** Resolves on the first SIGINT or SIGTERM, then stops listening for both. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveSignal(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export const verifierCommand: CliCommand = {
  name: "verifier",
  summary: "serve a GGUF model as an OpenAI-compatible greedy verifier (/v1/completions, /v1/chat/completions)",
  usage: "usage: configspec verifier --model PATH --port P [--host H] [--api-key KEY | --api-key-env VAR] [--model-id ID] [--slots N] [--context-size N] [--step-ms N]",
  async run(argv) {
    const flags = parseFlags(argv, {
      model: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "api-key": { type: "string" },
      "api-key-env": { type: "string" },
      "model-id": { type: "string" },
      slots: { type: "string" },
      "context-size": { type: "string" },
      "step-ms": { type: "string" },
    });
    const modelPath = requireFlag(flags.model, "model");
    const port = integerFlag(requireFlag(flags.port, "port"), "port");
    if (port > 65535) throw new UsageError(`--port expects 0..65535, got ${port}`);
    if (flags["api-key"] !== undefined && flags["api-key-env"] !== undefined) throw new UsageError("give --api-key or --api-key-env, not both");
    // --api-key-env keeps the key out of the command line, which `ps` shows to every user.
    const apiKey = flags["api-key-env"] !== undefined ? process.env[flags["api-key-env"]] : flags["api-key"];
    if (flags["api-key-env"] !== undefined && apiKey === undefined) throw new UsageError(`--api-key-env: ${flags["api-key-env"]} is not set`);
    if (apiKey === "") throw new UsageError("the API key must not be empty");
    const server = await startVerifierServer({
      // hf: URIs pass through; a local path is made absolute so messages name the file.
      modelPath: /^[a-z]+:/i.test(modelPath) ? modelPath : resolve(modelPath),
      port,
      host: flags.host ?? DEFAULT_VERIFIER_HOST,
      apiKey,
      modelId: flags["model-id"],
      slots: integerFlag(flags.slots, "slots", { min: 1, fallback: DEFAULT_VERIFIER_SLOTS }),
      stepDelayMs: integerFlag(flags["step-ms"], "step-ms", { fallback: 0 }),
      contextSize: flags["context-size"] === undefined ? undefined : integerFlag(flags["context-size"], "context-size", { min: 1 }),
      onError: (error) => process.stderr.write(`configspec verifier: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
    });
    const stopping = shutdownSignal();
    process.stdout.write(`listening on ${server.url}\n`);
    const signal = await stopping;
    process.stderr.write(`configspec verifier: ${signal}, closing\n`);
    await server.close();
    return 0;
  },
};
