import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { TextDocument } from "vscode-languageserver-textdocument";
import { z } from "zod";
import { completionContextOf } from "../../../server/daemon/completion/completionContext.js";
import { cursorContextOf, postprocessCompletion } from "../../../server/postprocess/stopRules.js";

const run = promisify(execFile);

/** The fields of `configspec complete --json` the suite compares. */
const CliReportSchema = z.object({
  text: z.string(),
  stopReason: z.string(),
  configuration: z.object({ drafterId: z.string().nullable(), k: z.number(), verified: z.boolean() }).passthrough(),
});
export type CliReport = z.infer<typeof CliReportSchema>;

export interface CliCompletionRequest {
  /** dist/cli.js */
  cli: string;
  file: string;
  offset: number;
  drafter: string;
  verifierUrl: string;
  verifierModel: string;
  k: number;
  maxTokens: number;
}

/** `configspec complete … --json`: the raw engine output at one position, no stop rules. */
export async function cliCompletion(request: CliCompletionRequest): Promise<CliReport> {
  const { stdout } = await run(
    process.execPath,
    [
      request.cli,
      "complete",
      "--file",
      request.file,
      "--offset",
      String(request.offset),
      "--drafter",
      request.drafter,
      "--verifier-url",
      request.verifierUrl,
      "--verifier-model",
      request.verifierModel,
      "--k",
      String(request.k),
      "--max-tokens",
      String(request.maxTokens),
      "--json",
    ],
    { timeout: 120_000 },
  );
  return CliReportSchema.parse(JSON.parse(stdout));
}

/**
 * What the daemon shows for the CLI's raw text: the same stop rules and post-processing
 * (server/postprocess/stopRules.ts) on the same cursor context. The daemon also uses
 * the rules to stop generating early, on complete lines only, so its shorter raw output
 * post-processes to the same text.
 */
export function ghostTextFor(rawText: string, documentText: string, offset: number, languageId: string): string {
  const document = TextDocument.create("file:///e2e", languageId, 1, documentText);
  const context = completionContextOf(document, document.positionAt(offset));
  return postprocessCompletion(rawText, cursorContextOf(context.prefix, context.suffix)).text;
}
