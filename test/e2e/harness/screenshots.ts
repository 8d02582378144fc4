import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { errorMessageOf } from "../../../server/util/errorMessage.js";
import { decodePng, imageContent } from "./pngImage.js";

/** Fewer colours than this, or one colour on more than {@link MAX_DOMINANT_SHARE} of the pixels, is a blank shot. */
const MIN_DISTINCT_COLOURS = 16;
const MAX_DOMINANT_SHARE = 0.985;
const SETTLE_MS = 500;

/** Screenshots the run keeps (test/e2e/artifacts/, git-ignored), and the check that each is there and shows something. */
export class Screenshots {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Empties the folder, so a shot left from an earlier run never passes for this one. */
  async reset(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
  }

  pathOf(name: string): string {
    return join(this.dir, `${name}.png`);
  }

  async take(page: Page, name: string): Promise<string> {
    const path = this.pathOf(name);
    // Notifications slide in over ~300 ms; a shot mid-animation shows them faded.
    await page.waitForTimeout(SETTLE_MS);
    await page.screenshot({ path });
    return path;
  }

  /** Why the named shot is missing or blank; null when it is fine. */
  async problemWith(name: string): Promise<string | null> {
    let file: Buffer;
    try {
      file = await readFile(this.pathOf(name));
    } catch {
      return `${name}.png is missing`;
    }
    try {
      const { distinctColours, dominantShare } = imageContent(decodePng(file));
      if (distinctColours < MIN_DISTINCT_COLOURS || dominantShare > MAX_DOMINANT_SHARE) {
        return `${name}.png is blank (${distinctColours} colours, ${(dominantShare * 100).toFixed(1)}% one colour)`;
      }
      return null;
    } catch (error) {
      return `${name}.png cannot be read: ${errorMessageOf(error)}`;
    }
  }
}
