import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { LOOPBACK } from "./freePort.js";

/** Flags that keep Debian's Chromium headless, quiet and off the network (../shared/E2E-RECIPE.md). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--disable-features=Translate,OptimizationHints,MediaRouter",
];

/** The workbench needs room for the editor, the panel and notifications in one screenshot. */
const VIEWPORT = { width: 1400, height: 900 };

export function chromiumExecutable(): string {
  const path = execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser || true"], { encoding: "utf8" }).trim();
  if (path === "") throw new Error("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it");
  return path;
}

/** A URL is local when it names no host (data:, blob:, about:) or the loopback address. */
export function isLocalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (["data:", "blob:", "about:", "chrome-extension:", "vscode-webview:"].includes(parsed.protocol)) return true;
  return parsed.hostname === LOOPBACK;
}

/**
 * Headless Chromium with a fresh profile. Every request that is not to 127.0.0.1 is aborted
 * and remembered in {@link offHostRequests}, which the suite asserts is empty. Playwright
 * starts Chromium as its own process group and kills the group on close.
 */
export class HeadlessChromium {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly offHostRequests: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.context = context;
    this.page = page;
  }

  static async launch(runDir: string): Promise<HeadlessChromium> {
    const profile = join(runDir, "chromium-profile");
    const xdgConfig = join(runDir, "chromium-xdg");
    await mkdir(xdgConfig, { recursive: true });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumExecutable(),
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, XDG_CONFIG_HOME: xdgConfig },
      viewport: VIEWPORT,
      // The suite pastes settings JSON through the clipboard.
      permissions: ["clipboard-read", "clipboard-write"],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const browser = new HeadlessChromium(context, page);
    const offHost = (url: string) => {
      if (!isLocalUrl(url) && !browser.offHostRequests.includes(url)) browser.offHostRequests.push(url);
    };
    await context.route("**/*", async (route) => {
      const url = route.request().url();
      if (isLocalUrl(url)) return route.continue();
      offHost(url);
      return route.abort("blockedbyclient");
    });
    // Anything that reached a response without routing counts too, unless a service worker
    // answered it: webview resources (`*.vscode-resource.vscode-cdn.net`) are served by the
    // webview's worker from the workbench's own connection, and never reach the network.
    context.on("requestfinished", (request) => {
      void request.response().then((response) => {
        if (!response?.fromServiceWorker()) offHost(request.url());
      });
    });
    return browser;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
  }
}
