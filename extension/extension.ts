import * as vscode from "vscode";
import { registerCommands } from "./commands.js";
import { ConfigSpecContext } from "./configSpecContext.js";
import { errorMessageOf } from "../server/util/errorMessage.js";
import { offerDrafterSetupOnFirstRun } from "./firstRun.js";
import { ConfigSpecStatusBar } from "./statusBar.js";

let ctx: ConfigSpecContext | undefined;

/** Only wires: the context owns the client, the commands come from one table. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("ConfigSpec", { log: true });
  context.subscriptions.push(log);
  try {
    ctx = new ConfigSpecContext(context, log);
    context.subscriptions.push(ctx);
    registerCommands(ctx);
    context.subscriptions.push(new ConfigSpecStatusBar(ctx));
    await ctx.start();
    void offerDrafterSetupOnFirstRun(ctx).catch((error: unknown) => ctx?.showErrorOnce(`ConfigSpec: drafter setup failed: ${errorMessageOf(error)}`));
  } catch (error) {
    // VS Code does not show activation failures itself.
    log.error(`activation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void vscode.window.showErrorMessage(`ConfigSpec failed to start: ${errorMessageOf(error)}`, "Show Logs").then((choice) => {
      if (choice) log.show();
    });
  }
}

export function deactivate(): Promise<void> | undefined {
  return ctx?.stop();
}
