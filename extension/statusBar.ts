import * as vscode from "vscode";
import type { ConfigSpecContext } from "./configSpecContext.js";
import { presentStatus } from "./statusPresentation.js";

/**
 * The status bar item: objective, drafter and K, last latency; warning background when the
 * verifier is unreachable; click opens the configuration panel. Driven by the server's
 * status notification and by settings (so an objective switch shows at once).
 */
export class ConfigSpecStatusBar implements vscode.Disposable {
  readonly #ctx: ConfigSpecContext;
  readonly #item = vscode.window.createStatusBarItem("configspec.status", vscode.StatusBarAlignment.Right, 100);
  readonly #subscription: vscode.Disposable;

  constructor(ctx: ConfigSpecContext) {
    this.#ctx = ctx;
    this.#item.name = "ConfigSpec";
    this.#item.command = "configspec.openPanel";
    this.#subscription = ctx.onDidChangeStatus(() => this.update());
    this.update();
    this.#item.show();
  }

  update(): void {
    const presentation = presentStatus({ status: this.#ctx.status, objective: this.#ctx.settings.objective, clientState: this.#ctx.state });
    this.#item.text = this.#ctx.profiling ? "$(loading~spin) ConfigSpec: profiling" : presentation.text;
    const tooltip = new vscode.MarkdownString(presentation.tooltip);
    tooltip.isTrusted = { enabledCommands: presentation.commands };
    this.#item.tooltip = tooltip;
    this.#item.backgroundColor =
      presentation.background === undefined ? undefined : new vscode.ThemeColor(presentation.background === "error" ? "statusBarItem.errorBackground" : "statusBarItem.warningBackground");
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#item.dispose();
  }
}
