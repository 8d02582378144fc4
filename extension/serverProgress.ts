import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { LSPErrorCodes, WorkDoneProgress } from "vscode-languageclient/node";
import type { ConfigSpecContext } from "./configSpecContext.js";

export interface ServerProgressReport {
  message: string;
  percentage: number | null;
}

/** True for the error a request rejects with when it was cancelled. */
export function isCancelledRequest(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === LSPErrorCodes.RequestCancelled;
}

/**
 * Runs a long daemon request under a cancellable progress notification: the request carries
 * a fresh `workDoneToken`, the daemon's `$/progress` reports drive the notification, and
 * Cancel cancels the request. Resolves undefined when cancelled.
 */
export async function withServerProgress<R>(
  ctx: ConfigSpecContext,
  title: string,
  send: (workDoneToken: string, token: vscode.CancellationToken) => Promise<R>,
  onReport?: (report: ServerProgressReport) => void,
): Promise<R | undefined> {
  const client = ctx.client;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const workDoneToken = randomUUID();
    let reported = 0;
    const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind === "end") return;
      const percentage = value.percentage ?? null;
      const increment = percentage === null ? undefined : Math.max(0, percentage - reported);
      if (percentage !== null) reported = Math.max(reported, percentage);
      progress.report({ message: value.message, increment });
      onReport?.({ message: value.message ?? "", percentage });
    });
    try {
      return await send(workDoneToken, token);
    } catch (error) {
      if (token.isCancellationRequested || isCancelledRequest(error)) return undefined;
      throw error;
    } finally {
      subscription.dispose();
    }
  });
}
