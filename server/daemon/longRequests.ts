import type { CancellationToken, Connection, WorkDoneProgressReporter } from "vscode-languageserver";
import type { z } from "zod";
import type { PrepareDraftersRequest } from "../lspContract.js";
import { downloadDrafters, ensureGeneratedFamily, type PreparationProgress } from "../modelFiles/drafterPreparation.js";
import { abortSignalOf } from "./cancellation.js";
import type { DaemonLogger } from "./daemonLogger.js";
import type { StatusReporter } from "./statusReporter.js";

export interface LongRequest {
  task: string;
  title: string;
  workDoneToken: string | number | undefined;
  token: CancellationToken;
}

/** Runs a long request with `$/progress` on the client's token, busy status, and cancellation as an AbortSignal. */
export interface LongRequestContext {
  connection: Connection;
  status: StatusReporter;
  log: DaemonLogger;
}

export async function withWorkDoneProgress<T>(
  context: LongRequestContext,
  request: LongRequest,
  run: (signal: AbortSignal, report: (progress: PreparationProgress) => void) => Promise<T>,
): Promise<T> {
  const { title } = request;
  const progress: WorkDoneProgressReporter = context.connection.window.attachWorkDoneProgress(request.workDoneToken);
  const cancellation = abortSignalOf(request.token);
  const done = context.status.busy(request.task, `${title}…`);
  progress.begin(title, 0, undefined, true);
  try {
    return await run(cancellation.signal, ({ message, percentage }) => {
      if (percentage === undefined) progress.report(message);
      else progress.report(Math.max(0, Math.min(100, Math.round(percentage))), message);
    });
  } catch (error) {
    if (cancellation.signal.aborted) context.log.info(`${title}: cancelled`);
    throw error;
  } finally {
    progress.done();
    done();
    cancellation.dispose();
  }
}

/** `configspec/prepareDrafters`: downloads the given drafters, or generates the bundled family's. */
export function prepareDrafters(
  context: LongRequestContext,
  params: z.infer<typeof PrepareDraftersRequest.params>,
  token: CancellationToken,
  folders: { remoteModelsDir: string; modelFamilyDir: string },
) {
  const { source } = params;
  const title = source.kind === "download" ? "Downloading drafters" : "Preparing the bundled code models";
  return withWorkDoneProgress(context, { task: "download", title, workDoneToken: params.workDoneToken, token }, async (signal, report) => {
    const drafters =
      source.kind === "download"
        ? await downloadDrafters(source.uris, { directory: folders.remoteModelsDir, signal, onProgress: report })
        : await ensureGeneratedFamily(folders.modelFamilyDir, report);
    context.log.info(`${title}: done (${drafters.length} drafters)`);
    return { drafters };
  });
}
