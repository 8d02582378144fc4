import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding ConfigSpec's package.json, found from this module's own location, so the
 * bundled corpus is found both from dist/*.js (CommonJS) and from the TypeScript sources.
 */
export function packageRoot(): string {
  let dir = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, "utf8")) as { name?: unknown }).name === "configspec") return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find ConfigSpec's package.json above " + dir);
    dir = parent;
  }
}
