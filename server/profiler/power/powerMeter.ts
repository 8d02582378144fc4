import type { PowerSourceKind } from "../../profile/profileSchema.js";
import { runCommand as defaultRunCommand, type CommandRunner } from "./commandRunner.js";
import { cpuEstimateSource, type CpuEstimateOptions } from "./cpuEstimateSource.js";
import { detectLinuxBatterySource } from "./linuxBatterySource.js";
import { detectMacBatterySource } from "./macBatterySource.js";
import { createOnBatteryReader } from "./onBatteryReader.js";
import { PowerMeterDisposedError } from "./powerMeterDisposedError.js";
import type { PowerSource } from "./powerSource.js";
import { detectRaplSource } from "./raplSource.js";
import { DEFAULT_SYSFS_ROOT, sysfsReader, type SysfsReader } from "./sysfsReader.js";
import { detectWindowsBatterySource } from "./windowsBatterySource.js";

/** How often a sampling session reads its source: often enough for a RAPL wrap, cheap for ioreg. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 250;

/**
 * Preference when several sources are readable: a discharging battery measures the whole device
 * (what the battery objective spends), RAPL only the CPU package, the estimate nothing at all.
 */
export const SOURCE_PREFERENCE: readonly PowerSourceKind[] = ["battery", "ioreg", "wmi", "rapl", "estimate"];

export interface PowerMeterOptions {
  /** Root of sysfs for the Linux sources. Default "/sys"; tests point it at fake files. */
  sysfsRoot?: string;
  /** Replaces the sysfs reads themselves (tests of unreadable files); default reads under `sysfsRoot`. */
  sysfs?: SysfsReader;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Runs ioreg/powershell; default child_process.execFile. */
  runCommand?: CommandRunner;
  /** Default {@link DEFAULT_SAMPLE_INTERVAL_MS}. */
  sampleIntervalMs?: number;
  /** Sources allowed, in preference order. Default {@link SOURCE_PREFERENCE}; the estimate is always the fallback. */
  sources?: readonly PowerSourceKind[];
  estimate?: CpuEstimateOptions;
}

export interface PowerMeasurement {
  source: PowerSourceKind;
  label: string;
  /** Mean power over the measurement. */
  watts: number;
  joules: number;
  durationMs: number;
  /** Successful reads of the source. */
  samples: number;
}

/** Detects the best readable power source and measures average watts and joules over work. */
export class PowerMeter implements Disposable {
  #disposed = false;
  readonly #sessions = new Set<PowerSampling>();

  private constructor(
    readonly source: PowerSource,
    private readonly intervalMs: number,
    private readonly onBattery: () => Promise<boolean | null>,
  ) {}

  get kind(): PowerSourceKind {
    return this.source.kind;
  }

  get label(): string {
    return this.source.label;
  }

  static async detect(options: PowerMeterOptions = {}): Promise<PowerMeter> {
    const platform = options.platform ?? process.platform;
    const reader = options.sysfs ?? sysfsReader(options.sysfsRoot ?? DEFAULT_SYSFS_ROOT);
    const run = options.runCommand ?? defaultRunCommand;
    const allowed = options.sources ?? SOURCE_PREFERENCE;
    const detectors: Record<PowerSourceKind, () => Promise<PowerSource | undefined>> = {
      battery: async () => (platform === "linux" ? detectLinuxBatterySource(reader) : undefined),
      ioreg: async () => (platform === "darwin" ? detectMacBatterySource(run) : undefined),
      wmi: async () => (platform === "win32" ? detectWindowsBatterySource(run) : undefined),
      rapl: async () => (platform === "linux" ? detectRaplSource(reader) : undefined),
      estimate: async () => cpuEstimateSource(options.estimate),
    };
    let source: PowerSource | undefined;
    for (const kind of allowed) {
      source = await detectors[kind]();
      if (source) break;
    }
    const onBattery = createOnBatteryReader({ platform, sysfs: reader, runCommand: run });
    return new PowerMeter(source ?? cpuEstimateSource(options.estimate), options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS, onBattery);
  }

  /** Whether the machine runs on battery now; null when the platform cannot tell. */
  isOnBattery(): Promise<boolean | null> {
    this.#assertLive();
    return this.onBattery();
  }

  /** Starts sampling; `stop()` the session for the average watts and joules since. */
  start(): PowerSampling {
    this.#assertLive();
    const session = new PowerSampling(this.source, this.intervalMs, () => this.#sessions.delete(session));
    this.#sessions.add(session);
    return session;
  }

  /** Runs `work` under a sampling session. */
  async measure<T>(work: () => T | Promise<T>): Promise<{ result: T; power: PowerMeasurement }> {
    const session = this.start();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      session.cancel();
      throw error;
    }
    return { result, power: await session.stop() };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const session of this.#sessions) session.cancel();
    this.#sessions.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #assertLive(): void {
    if (this.#disposed) throw new PowerMeterDisposedError();
  }
}

interface Sample {
  atMs: number;
  value: number;
}

/** One measurement in progress: reads the source now, every interval, and at `stop()`. */
export class PowerSampling implements AsyncDisposable {
  readonly #samples: Sample[] = [];
  readonly #errors: unknown[] = [];
  readonly #startedAt = performance.now();
  readonly #timer: NodeJS.Timeout;
  #chain: Promise<void>;
  #finished = false;

  constructor(
    private readonly source: PowerSource,
    intervalMs: number,
    private readonly onFinish: () => void,
  ) {
    this.#chain = this.#sample();
    // Reads are chained so a slow one (powershell) never overlaps the next.
    this.#timer = setInterval(() => {
      this.#chain = this.#chain.then(() => this.#sample());
    }, intervalMs);
    this.#timer.unref();
  }

  /** Takes a last reading and returns the mean watts and the joules since the start. */
  async stop(): Promise<PowerMeasurement> {
    if (this.#finished) throw new Error("this sampling session was already stopped");
    this.#finish();
    this.#chain = this.#chain.then(() => this.#sample());
    await this.#chain;
    const samples = this.#samples;
    if (samples.length === 0) {
      const cause = this.#errors[0];
      throw new Error(`no reading of ${this.source.label} succeeded${cause instanceof Error ? `: ${cause.message}` : ""}`);
    }
    // The span the joules cover; a slow last read on a busy machine must not stretch it.
    const durationMs = samples.length >= 2 ? samples[samples.length - 1].atMs - samples[0].atMs : performance.now() - this.#startedAt;
    const { watts, joules } = this.source.mode === "counter" ? fromCounter(samples) : fromGauge(samples);
    return { source: this.source.kind, label: this.source.label, watts, joules, durationMs, samples: samples.length };
  }

  /** Ends the session without a result (the measured work failed). */
  cancel(): void {
    this.#finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cancel();
    await this.#chain;
  }

  #finish(): void {
    this.#finished = true;
    clearInterval(this.#timer);
    this.onFinish();
  }

  async #sample(): Promise<void> {
    // Stamped when the read is issued: the estimate computes synchronously and file reads run on
    // libuv's pool, so the value belongs to this moment even if the event loop is then blocked.
    const atMs = performance.now();
    try {
      const value = this.source.mode === "counter" ? await this.source.readJoules(atMs) : await this.source.readWatts();
      this.#samples.push({ atMs, value });
    } catch (error) {
      this.#errors.push(error);
    }
  }
}

/** Counter: joules = last − first reading; watts = joules / the time between them. */
function fromCounter(samples: readonly Sample[]): { watts: number; joules: number } {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const joules = last.value - first.value;
  const seconds = (last.atMs - first.atMs) / 1000;
  return { joules, watts: seconds > 0 ? joules / seconds : 0 };
}

/** Gauge: joules = trapezoidal integral of watts over time; watts = that / duration (one sample: itself). */
function fromGauge(samples: readonly Sample[]): { watts: number; joules: number } {
  if (samples.length === 1) return { watts: samples[0].value, joules: 0 };
  let joules = 0;
  for (let i = 1; i < samples.length; i++) {
    joules += ((samples[i].value + samples[i - 1].value) / 2) * ((samples[i].atMs - samples[i - 1].atMs) / 1000);
  }
  const seconds = (samples[samples.length - 1].atMs - samples[0].atMs) / 1000;
  return { joules, watts: seconds > 0 ? joules / seconds : samples[0].value };
}
