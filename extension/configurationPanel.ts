import * as vscode from "vscode";
import { GetProfileRequest, type GetProfileResult } from "../server/lspContract.js";
import { errorMessageOf } from "../server/util/errorMessage.js";
import type { ConfigSpecContext } from "./configSpecContext.js";
import { panelHtml } from "./panel/panelHtml.js";
import { PanelRequestSchema, type PanelRequest, type PanelState } from "./panel/panelMessages.js";

/**
 * The configuration panel: the profiled configuration space as a table and charts, the pick
 * per objective, objective switching and re-profiling. One panel at a time; its webview gets
 * state messages and sends requests, each parsed before it is acted on.
 */
export class ConfigurationPanel implements vscode.Disposable {
  static readonly viewType = "configspec.configurationPanel";
  static #current: ConfigurationPanel | undefined;

  readonly #ctx: ConfigSpecContext;
  readonly #panel: vscode.WebviewPanel;
  readonly #subscriptions: vscode.Disposable[] = [];
  #fetched: GetProfileResult | null = null;
  #error: string | null = null;

  static show(ctx: ConfigSpecContext): ConfigurationPanel {
    if (ConfigurationPanel.#current) {
      ConfigurationPanel.#current.#panel.reveal();
      void ConfigurationPanel.#current.#refresh();
      return ConfigurationPanel.#current;
    }
    ConfigurationPanel.#current = new ConfigurationPanel(ctx);
    return ConfigurationPanel.#current;
  }

  private constructor(ctx: ConfigSpecContext) {
    this.#ctx = ctx;
    const media = vscode.Uri.joinPath(ctx.extension.extensionUri, "media");
    this.#panel = vscode.window.createWebviewPanel(ConfigurationPanel.viewType, "ConfigSpec Configuration", vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    });
    const webview = this.#panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, "panel.js")).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, "panel.css")).toString(),
    });
    this.#subscriptions.push(
      webview.onDidReceiveMessage((message: unknown) => void this.#received(message)),
      this.#panel.onDidDispose(() => this.dispose()),
      ctx.onDidChangeStatus(() => this.#post()),
      ctx.onDidChangeProfile(() => void this.#refresh()),
    );
  }

  dispose(): void {
    if (ConfigurationPanel.#current === this) ConfigurationPanel.#current = undefined;
    for (const subscription of this.#subscriptions.splice(0)) subscription.dispose();
    this.#panel.dispose();
  }

  async #received(message: unknown): Promise<void> {
    const parsed = PanelRequestSchema.safeParse(message);
    if (!parsed.success) {
      this.#ctx.log.warn("configuration panel: ignored a malformed message from the webview");
      return;
    }
    const request: PanelRequest = parsed.data;
    switch (request.type) {
      case "ready":
      case "refresh":
        await this.#refresh();
        return;
      case "setObjective":
        await this.#ctx.setObjective(request.objective);
        await this.#refresh();
        return;
      case "reprofile":
        await vscode.commands.executeCommand("configspec.profile");
        return;
    }
  }

  async #refresh(): Promise<void> {
    if (!this.#ctx.running) {
      this.#fetched = null;
      this.#error = "ConfigSpec server is not running";
    } else {
      try {
        this.#fetched = await this.#ctx.request(GetProfileRequest, undefined);
        this.#error = null;
      } catch (error) {
        this.#error = `Could not fetch the profile: ${errorMessageOf(error)}`;
      }
    }
    this.#post();
  }

  #post(): void {
    const status = this.#ctx.status ?? null;
    const state: PanelState = {
      type: "state",
      objective: this.#ctx.settings.objective,
      profile: this.#fetched?.profile ?? null,
      // The status notification is newer than the last fetch.
      active: status?.active ?? this.#fetched?.active ?? null,
      status,
      profiling: this.#ctx.profiling,
      error: this.#error,
    };
    void this.#panel.webview.postMessage(state);
  }
}
