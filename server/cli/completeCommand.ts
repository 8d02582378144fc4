import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { absoluteDrafterUri, drafterIdOf } from "../drafter/drafterSpec.js";
import { SpeculativeEngine } from "../engine/speculativeEngine.js";
import type { CliCommand } from "./cliCommand.js";
import { familyModels, startFamilyVerifierProcess } from "./familySetup.js";
import { integerFlag, parseFlags } from "./parseFlags.js";
import { UsageError } from "./usageError.js";
import { apiKeyFromFlags, MODELS_DIR_FLAG, MODELS_DIR_USAGE, modelsDirFromFlags, VERIFIER_ENDPOINT_FLAGS } from "./verifierFlags.js";
import { VERIFIER_PROTOCOL_SETTINGS, VerifierProtocolSettingSchema } from "../verifier/verifierProtocol.js";

const DEFAULT_MAX_TOKENS = 64;
const DEFAULT_K = 4;

export const completeCommand: CliCommand = {
  name: "complete",
  summary: "run one completion at a position of a file (speculative, verifier-only with --k 0, drafter-only with --no-verifier)",
  usage:
    "usage: configspec complete --file F --offset N --drafter PATH|ngram[:GGUF] --verifier-url URL --verifier-model NAME --k K --max-tokens M\n" +
    "                           [--protocol auto|sglang|prefix-probe|echo-logprobs|predicted-outputs] [--no-verifier] [--json]\n" +
    `       without --verifier-url, the embedded verifier serves the family's target (${MODELS_DIR_USAGE}: default the bundled trained family)`,
  async run(argv) {
    const flags = parseFlags(argv, {
      file: { type: "string" },
      offset: { type: "string" },
      drafter: { type: "string" },
      ...VERIFIER_ENDPOINT_FLAGS,
      k: { type: "string" },
      "max-tokens": { type: "string" },
      protocol: { type: "string" },
      "no-verifier": { type: "boolean" },
      ...MODELS_DIR_FLAG,
      json: { type: "boolean" },
    });
    if (flags.file === undefined) throw new UsageError("missing --file");
    const text = await readFile(resolve(flags.file), "utf8");
    const offset = integerFlag(flags.offset, "offset");
    if (offset > text.length) throw new UsageError(`--offset ${offset} is past the end of ${flags.file} (${text.length} characters)`);
    const k = integerFlag(flags.k, "k", { fallback: DEFAULT_K });
    const maxTokens = integerFlag(flags["max-tokens"], "max-tokens", { min: 1, fallback: DEFAULT_MAX_TOKENS });
    const parsedProtocol = VerifierProtocolSettingSchema.safeParse(flags.protocol ?? "auto");
    if (!parsedProtocol.success) throw new UsageError(`--protocol expects ${VERIFIER_PROTOCOL_SETTINGS.join(", ")}, got ${JSON.stringify(flags.protocol)}`);
    const protocol = parsedProtocol.data;
    const useVerifier = !flags["no-verifier"];
    if (!useVerifier && flags.drafter === undefined) throw new UsageError("--no-verifier needs --drafter");
    if (useVerifier && k > 0 && flags.drafter === undefined) throw new UsageError(`--k ${k} needs --drafter (or --k 0 for verifier-only)`);
    // The key comes from the environment, never from a flag: flags end up in shell history and `ps`.
    const apiKey = apiKeyFromFlags(flags);

    const log = (line: string) => process.stderr.write(`${line}\n`);
    const target = useVerifier && flags["verifier-url"] === undefined ? (await familyModels(modelsDirFromFlags(flags), log)).target : undefined;
    const embedded = target && (await startFamilyVerifierProcess(target));
    try {
      const verifier = !useVerifier
        ? undefined
        : embedded
          ? { baseUrl: embedded.url, model: embedded.modelId, protocol }
          : { baseUrl: flags["verifier-url"]!, model: flags["verifier-model"] ?? "", apiKey, protocol };
      if (verifier && verifier.model === "") throw new UsageError("missing --verifier-model");
      const drafterPath = flags.drafter === undefined ? undefined : absoluteDrafterUri(flags.drafter);
      const engine = await SpeculativeEngine.load({
        // The embedded verifier lends its model's vocabulary to a model-free drafter.
        drafter: drafterPath === undefined ? undefined : { id: drafterIdOf(drafterPath), uriOrPath: drafterPath, tokenizerUriOrPath: target?.absolutePath },
        k: useVerifier ? k : Math.max(k, 1),
        verifier,
      });
      try {
        const output = await engine.complete({
          prefix: text.slice(0, offset),
          suffix: text.slice(offset),
          languageId: "",
          maxTokens,
          signal: new AbortController().signal,
        });
        if (flags.json) {
          const { stats } = output;
          const report = {
            text: output.text,
            tokens: stats.tokens,
            rounds: stats.rounds,
            drafted: stats.drafted,
            accepted: stats.accepted,
            timings: stats.timings,
            usage: stats.usage,
            stopReason: output.stopReason,
            mode: engine.mode,
            configuration: output.configuration,
          };
          process.stdout.write(JSON.stringify(report) + "\n");
        } else {
          process.stdout.write(output.text + "\n");
        }
      } finally {
        await engine.dispose();
      }
    } finally {
      await embedded?.close();
    }
    return 0;
  },
};
