import { spawn, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";

/** How long a group gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5000;

/** Every group still running, so an exiting test process can kill them all (also on failure). */
const running = new Set<ProcessGroup>();
function killAll(): void {
  for (const group of running) group.killNow();
}
process.once("exit", killAll);
// A runner that is interrupted or timed out must not leave code-server behind either.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

/**
 * A child started as the leader of its own process group (`detached`, i.e. setsid), so the
 * whole tree — code-server's extension hosts, the daemon, its verifier — is stopped with one
 * `kill(-pid)`. Output goes to a log file, never to the test's stdout.
 */
export class ProcessGroup {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined = undefined;

  private constructor(name: string, pid: number, exited: Promise<number | null>) {
    this.name = name;
    this.pid = pid;
    this.exited = exited.then((code) => {
      this.#exitCode = code;
      return code;
    });
  }

  static start(name: string, command: string, args: string[], options: SpawnOptions & { logFile: string }): ProcessGroup {
    const log = createWriteStream(options.logFile, { flags: "a" });
    const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const exited = once(child, "exit").then(([code]) => code as number | null);
    const group = new ProcessGroup(name, child.pid, exited);
    running.add(group);
    void group.exited.then(() => running.delete(group));
    return group;
  }

  get alive(): boolean {
    return this.#exitCode === undefined;
  }

  /** SIGTERM to the group, SIGKILL after {@link STOP_GRACE_MS}; resolves when the leader is gone. */
  async stop(): Promise<void> {
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    // Children that ignored SIGTERM (extension hosts) outlive the leader.
    this.#signal("SIGKILL");
    running.delete(this);
  }

  /** Synchronous SIGKILL of the group (process "exit" handler). */
  killNow(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is already gone
    }
  }
}
