import { join } from "node:path";
import { LOOPBACK, assertPortFree, waitForHttp } from "./freePort.js";
import { ProcessGroup } from "./processGroup.js";

/** Loading the 29 MB target and binding the port. */
const START_TIMEOUT_MS = 30_000;

export interface VerifierProcessOptions {
  /** dist/cli.js */
  cli: string;
  modelPath: string;
  modelId: string;
  port: number;
  runDir: string;
}

/**
 * `configspec verifier` serving the family's target on a fixed port, as its own process group,
 * so a test can stop it mid-session and bring it back at the same address.
 */
export class VerifierProcess {
  readonly #options: VerifierProcessOptions;
  #group: ProcessGroup | undefined;

  constructor(options: VerifierProcessOptions) {
    this.#options = options;
  }

  /** The OpenAI-compatible base URL (`…/v1`). */
  get baseUrl(): string {
    return `http://${LOOPBACK}:${this.#options.port}/v1`;
  }

  get modelId(): string {
    return this.#options.modelId;
  }

  async start(): Promise<void> {
    if (this.#group?.alive) throw new Error("the verifier is already running");
    const { cli, modelPath, modelId, port, runDir } = this.#options;
    await assertPortFree(port);
    const group = ProcessGroup.start("verifier", process.execPath, [cli, "verifier", "--model", modelPath, "--model-id", modelId, "--host", LOOPBACK, "--port", String(port)], {
      logFile: join(runDir, "verifier.log"),
    });
    this.#group = group;
    await waitForHttp(`${this.baseUrl}/models`, START_TIMEOUT_MS, () => group.alive);
  }

  async stop(): Promise<void> {
    await this.#group?.stop();
    this.#group = undefined;
  }
}
