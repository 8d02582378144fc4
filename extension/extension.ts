import * as vscode from "vscode";

/** Activation only wires; the client lifecycle lands with the extension issue. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("ConfigSpec", { log: true });
  context.subscriptions.push(log);
  log.info("ConfigSpec activated");
}

export function deactivate(): void {}
