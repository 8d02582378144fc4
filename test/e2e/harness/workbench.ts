import type { Locator, Page } from "playwright-core";

/** The workbench's DOM, by the selectors that work in VS Code 1.100 (../shared/E2E-RECIPE.md). */
export const SELECTORS = {
  workbench: ".monaco-workbench",
  statusBar: ".part.statusbar",
  explorerRow: ".explorer-folders-view .monaco-list-row",
  quickInput: ".quick-input-widget .quick-input-box input",
  quickInputRow: ".quick-input-widget .quick-input-list .monaco-list-row",
  sideBarTitle: ".part.sidebar .composite.title",
  editorLines: ".editor-instance .monaco-editor .view-lines",
  activeEditorInput: ".editor-instance .monaco-editor textarea",
  ghostText: ".editor-instance .monaco-editor .ghost-text-decoration",
  toast: ".notifications-toasts .notification-toast",
  dialog: ".monaco-dialog-box",
  webview: "iframe.webview.ready",
} as const;

/** Monaco renders spaces as NBSP. */
export function plainText(text: string): string {
  return text.replace(/\u00a0/g, " ");
}

/** Drives the VS Code workbench in a page: command palette, editor, notifications, status bar. */
export class Workbench {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(url: string, timeoutMs = 90_000): Promise<void> {
    await this.page.goto(url);
    await this.page.locator(SELECTORS.workbench).waitFor({ timeout: timeoutMs });
    await this.page.locator(SELECTORS.explorerRow).first().waitFor({ timeout: timeoutMs });
  }

  /**
   * Opens the quick input with F1 and types `text` (">" + a title for commands, a path for
   * files). A focused webview may swallow the key: then focus moves to the side bar's title
   * (a click that does nothing else) and F1 is pressed again.
   */
  async #quickInput(text: string): Promise<Locator> {
    const input = this.page.locator(SELECTORS.quickInput);
    for (let attempt = 0; ; attempt++) {
      await this.page.keyboard.press("F1");
      if (await input.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
      if (attempt === 3) throw new Error("F1 does not open the quick input");
      await this.page.locator(SELECTORS.sideBarTitle).first().click();
    }
    await input.fill(text);
    return input;
  }

  /**
   * Runs a command by its palette title ("ConfigSpec: Profile This Machine"). The palette lists
   * the commands known when it opened, so a title not there yet is looked up again.
   */
  async runCommand(title: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const row = this.page.locator(SELECTORS.quickInputRow, { hasText: title }).first();
    for (;;) {
      const input = await this.#quickInput(`>${title}`);
      if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) {
        await input.press("Enter");
        await input.waitFor({ state: "hidden" });
        return;
      }
      await input.press("Escape");
      if (Date.now() > deadline) throw new Error(`the command palette does not list "${title}"`);
    }
  }

  /** Opens a file (workspace-relative or absolute) with quick open and focuses its editor. */
  async openFile(path: string): Promise<void> {
    const name = path.split("/").at(-1) ?? path;
    const input = await this.#quickInput(path);
    await this.page.locator(SELECTORS.quickInputRow, { hasText: name }).first().waitFor();
    await input.press("Enter");
    await this.page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor();
    await this.page.locator(SELECTORS.activeEditorInput).first().focus();
  }

  /**
   * Rewrites a settings file the way a user does: open it in an editor, select all, paste,
   * save, close. (VS Code applies its own save at once; a file rewritten behind its back is
   * not noticed in time.) Pasted, not typed: typing would auto-close quotes and brackets.
   */
  async editSettingsFile(path: string, settings: Record<string, unknown>): Promise<void> {
    const name = path.split("/").at(-1) ?? path;
    await this.openFile(path);
    await this.page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify(settings, null, 2));
    const dirtyTab = this.page.locator(`.tabs-container .tab.active.dirty[data-resource-name="${name}"]`);
    await this.page.keyboard.press("Control+A");
    await this.page.keyboard.press("Control+V");
    // The web paste is asynchronous: save only once the editor holds the new text.
    await dirtyTab.waitFor();
    await this.page.keyboard.press("Control+S");
    await dirtyTab.waitFor({ state: "detached" });
    await this.page.keyboard.press("Control+W");
    await this.page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).waitFor({ state: "detached" });
  }

  async editorText(): Promise<string> {
    return plainText(await this.page.locator(SELECTORS.editorLines).first().innerText());
  }

  ghostText(): Locator {
    return this.page.locator(SELECTORS.ghostText);
  }

  toasts(hasText?: string | RegExp): Locator {
    return this.page.locator(SELECTORS.toast, hasText === undefined ? {} : { hasText });
  }

  /** The ConfigSpec status bar item (contributed as `configspec.status` by `configspec.configspec`). */
  statusItem(): Locator {
    return this.page.locator(`${SELECTORS.statusBar} .statusbar-item[id$="configspec.status"]`);
  }

  async statusText(): Promise<string> {
    return plainText(await this.statusItem().innerText()).trim();
  }

  /** The status item's text and whether it has the warning or error background (VS Code adds `*-kind` classes). */
  async status(): Promise<{ text: string; warning: boolean; error: boolean }> {
    const item = this.statusItem();
    const classes = (await item.getAttribute("class")) ?? "";
    return { text: await this.statusText(), warning: /\bwarning-kind\b/.test(classes), error: /\berror-kind\b/.test(classes) };
  }

  /** Waits until one of the locators is visible; returns its key. */
  async firstVisible<K extends string>(candidates: Record<K, Locator>, timeoutMs: number): Promise<K> {
    const deadline = Date.now() + timeoutMs;
    const keys = Object.keys(candidates) as K[];
    for (;;) {
      for (const key of keys) if (await candidates[key].first().isVisible()) return key;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for any of: ${keys.join(", ")}`);
      await this.page.waitForTimeout(250);
    }
  }

  /** Polls `read` until `accept` holds; the error names `what` and the last value seen. */
  async until<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    for (;;) {
      last = await read();
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
      await this.page.waitForTimeout(200);
    }
  }
}
