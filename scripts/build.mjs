// Bundles the three entry points with esbuild. The bundles are CommonJS (VS Code 1.100 loads
// extensions with require); dist/package.json says so because the root package is ESM.
// node-llama-cpp stays external: it is a native addon and is imported lazily with import().
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  logLevel: "warning",
  logOverride: { "empty-import-meta": "silent" },
  external: ["vscode", "node-llama-cpp", "@node-llama-cpp/*", "vega", "vega-lite"],
};

mkdirSync("dist", { recursive: true });
writeFileSync("dist/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
await Promise.all([
  build({ ...common, entryPoints: ["extension/extension.ts"], outfile: "dist/extension.js" }),
  build({ ...common, entryPoints: ["server/main.ts"], outfile: "dist/server.js" }),
  build({ ...common, entryPoints: ["server/cli.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" } }),
]);
