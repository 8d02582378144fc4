import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

/** How long a verifier child may take to load its model and listen. */
export const VERIFIER_START_TIMEOUT_MS = 30_000;

export interface VerifierProcess extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  modelId: string;
  pid: number | undefined;
  close(): Promise<void>;
}

/**
 * The embedded verifier in a child process (`configspec verifier`), standing in for a remote
 * endpoint: its CPU time is not the device's, so the process-CPU power estimate and the drafter's
 * timings see only what the device itself does, as they would against a real cloud verifier.
 */
export async function startVerifierProcess(options: {
  cliPath: string;
  modelPath: string;
  modelId: string;
  slots?: number;
  /** Emulated extra latency per forward pass (`configspec verifier --step-ms`). */
  stepDelayMs?: number;
}): Promise<VerifierProcess> {
  const args = [options.cliPath, "verifier", "--model", options.modelPath, "--port", "0", "--model-id", options.modelId];
  if (options.slots !== undefined) args.push("--slots", String(options.slots));
  if (options.stepDelayMs) args.push("--step-ms", String(options.stepDelayMs));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  try {
    const url = await listeningUrl(child, () => stderr);
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      })());
    return { url, modelId: options.modelId, pid: child.pid, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

function listeningUrl(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => fail(new Error(`the verifier did not listen within ${VERIFIER_START_TIMEOUT_MS} ms; stderr: ${stderr()}`)), VERIFIER_START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const match = /listening on (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code, signal) => fail(new Error(`the verifier exited (${code ?? signal}) before listening; stderr: ${stderr()}`)));
    child.once("error", fail);
  });
}
