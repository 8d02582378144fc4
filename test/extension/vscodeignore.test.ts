// The VSIX's contents, as vsce itself lists them (`vsce ls` applies .vscodeignore): the
// bundles and panel assets, node-llama-cpp with its whole runtime dependency closure (CPU
// build only), and nothing the esbuild bundles already inline.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { z } from "zod";

const PackageSchema = z.object({
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
});

/** Node's resolution: the package folder `name` resolves to from `fromDir`. */
function resolvePackage(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every package folder reachable from `root` through dependencies and optional dependencies, relative to the project. */
function closureOf(root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = PackageSchema.parse(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const found = resolvePackage(dir, name);
      if (found) visit(found);
    }
  };
  visit(resolve(root));
  return new Set([...seen].map((dir) => relative(process.cwd(), dir)).filter((dir) => dir !== ""));
}

/** Parts of node-llama-cpp's closure deliberately left out: GPU and other-architecture builds, source-build tooling. */
const LEFT_OUT = /^node_modules\/(@node-llama-cpp\/(?!linux-x64$).+|cmake-js|node-addon-api|node-api-headers)$/;

describe(".vscodeignore (as vsce applies it)", () => {
  const listed = spawnSync(process.execPath, [resolve("node_modules/@vscode/vsce/vsce"), "ls"], { encoding: "utf8" });
  const files = new Set(listed.stdout.split("\n").filter((line) => line !== ""));
  const llamaClosure = closureOf("node_modules/node-llama-cpp");
  // The profile charts import vega and vega-lite at run time (server/charts/renderSvg.ts).
  const vegaClosure = new Set([...closureOf("node_modules/vega"), ...closureOf("node_modules/vega-lite")]);

  it("lists the files vsce would package", () => {
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(files.size > 100);
  });

  it("has no negations (vsce lets them re-include files whatever their position)", () => {
    const lines = readFileSync(".vscodeignore", "utf8").split("\n").map((line) => line.trim());
    assert.deepEqual(lines.filter((line) => line.startsWith("!")), []);
  });

  it("ships the bundles, the panel's assets, the bundled models, the calibration corpus and the manifest, and no sources, maps or tests", () => {
    for (const path of ["dist/extension.js", "dist/server.js", "dist/package.json", "media/panel.js", "media/panel.css", "package.json", "README.md"]) assert.ok(files.has(path), path);
    // The profiler calibrates on corpus/ when the workspace has no source (server/corpus/codeCorpus.ts).
    assert.ok([...files].some((path) => path.startsWith("corpus/typescript/")), "corpus/ would be missing from the VSIX");
    const topLevel = new Set([...files].map((path) => path.split("/")[0]));
    // assets/models/ is the bundled trained family: the daemon's default models (server/modelFiles/bundledFamily.ts).
    assert.ok(files.has("assets/models/manifest.json"), "the bundled model family would be missing from the VSIX");
    assert.deepEqual([...topLevel].sort(), ["README.md", "assets", "corpus", "dist", "media", "node_modules", "package.json"]);
    // corpus/ is sample code read as data, not the extension's sources.
    assert.deepEqual([...files].filter((path) => /\.map$|(?<!\.d)\.ts$/.test(path) && !path.startsWith("node_modules/") && !path.startsWith("corpus/")), []);
  });

  it("ships node-llama-cpp's runtime closure with the linux-x64 CPU binaries only", () => {
    for (const dir of llamaClosure) {
      if (LEFT_OUT.test(dir)) assert.ok(!files.has(`${dir}/package.json`), `${dir} is left out on purpose`);
      else assert.ok(files.has(`${dir}/package.json`), `${dir} would be missing from the VSIX`);
    }
    assert.ok(files.has("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node"));
    assert.ok(files.has("node_modules/node-llama-cpp/llama/binariesGithubRelease.json"));
    assert.ok(!files.has("node_modules/node-llama-cpp/llama/gitRelease.bundle"), "the 35 MB llama.cpp source bundle");
  });

  it("ships vega and vega-lite with their runtime closure (type-only @types packages left out)", () => {
    for (const dir of vegaClosure) {
      if (dir.startsWith("node_modules/@types/")) assert.ok(!files.has(`${dir}/package.json`), `${dir} holds types only`);
      else assert.ok(files.has(`${dir}/package.json`), `${dir} would be missing from the VSIX`);
    }
  });

  it("leaves out every other production dependency (the bundles inline them)", () => {
    const production = [...closureOf(".")].filter((dir) => !llamaClosure.has(dir) && !vegaClosure.has(dir));
    assert.ok(production.length > 10);
    for (const dir of production) assert.ok(!files.has(`${dir}/package.json`), `${dir} would ship without being needed`);
  });
});
