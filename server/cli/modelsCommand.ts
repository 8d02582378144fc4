import { resolve } from "node:path";
import { generateModelFamily } from "../models/modelFamily.js";
import type { CliCommand } from "./cliCommand.js";
import { integerFlag, parseFlags, requireFlag } from "./parseFlags.js";

export const modelsCommand: CliCommand = {
  name: "models",
  summary: "generate the tiny GGUF model family (target + drafters) and print its manifest",
  usage: "usage: configspec models --out DIR [--seed N]",
  async run(argv) {
    const flags = parseFlags(argv, { out: { type: "string" }, seed: { type: "string" } });
    const outDir = resolve(requireFlag(flags.out, "out"));
    const manifest = await generateModelFamily(outDir, {
      seed: flags.seed === undefined ? undefined : integerFlag(flags.seed, "seed"),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
    return 0;
  },
};
