// Whether the VSIX from the last run still matches what `npm run package` would write: a hash
// of every input vsce packs (the built bundles, media, corpus, the manifest, .vscodeignore and
// the lockfile for node_modules). Saves the ~20-40 s zip on a warm run with nothing changed.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const INPUTS = ["dist", "media", "corpus", "package.json", "package-lock.json", ".vscodeignore", "README.md", "LICENSE"];

function addTree(hash, path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) addTree(hash, join(path, name));
    return;
  }
  hash.update(`${path}\0`);
  hash.update(readFileSync(path));
}

export function packageInputsHash() {
  const hash = createHash("sha256");
  for (const input of INPUTS) addTree(hash, input);
  return hash.digest("hex");
}

/** True when `vsix` exists and was packaged from inputs with this hash. */
export function isVsixCurrent(vsix, inputsHash) {
  const stamp = `${vsix}.inputs`;
  return existsSync(vsix) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === inputsHash;
}

export function markVsix(vsix, inputsHash) {
  writeFileSync(`${vsix}.inputs`, `${inputsHash}\n`);
}
