import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from "../verifier/circuitBreaker.js";
import { VerifierClient, type VerifierProbeResult } from "../verifier/verifierClient.js";
import type { DaemonLogger } from "./daemonLogger.js";
import type { StatusReporter } from "./statusReporter.js";

/** Where a probe goes: the verifier completions use. */
export interface ProbeTarget {
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
}

export interface VerifierHealthOptions {
  status: StatusReporter;
  log: DaemonLogger;
  /** Thresholds of the circuit breaker (tests shorten the cool-down). Default: the breaker's defaults. */
  circuitBreaker?: Pick<CircuitBreakerOptions, "failureThreshold" | "coolDownMs" | "maxCoolDownMs">;
  /** What completions come from while the circuit is open, for the status message. */
  fallback: () => string;
  /** The circuit closed again: the verified engine may be rebuilt, the drafter-only one dropped. */
  onRecovered: () => void;
}

/**
 * Is the verifier there, and what does the status say about it? The one owner of the
 * reachability probe (`VerifierClient.probe`: `GET {api root}/models`, one timeout, no retry),
 * the circuit breaker that fails completions fast while it is down, and the status fields
 * `verifierReachable` and the `verifier` / `circuit` problems.
 */
export class VerifierHealth {
  readonly #options: VerifierHealthOptions;
  readonly #breaker: CircuitBreaker;
  /** The verifier the engine was last built against: what is probed. */
  #engineTarget: ProbeTarget | undefined;
  /** The configured remote verifier, probed before any engine exists; undefined for the embedded one. */
  #configuredTarget: ProbeTarget | undefined;

  constructor(options: VerifierHealthOptions) {
    this.#options = options;
    this.#breaker = new CircuitBreaker({
      ...options.circuitBreaker,
      probe: async (signal) => {
        const result = await this.#probe(signal);
        return result === undefined || result.status === "ok" || result.status === "unauthorized";
      },
      onStateChange: (state) => this.#circuitChanged(state),
    });
  }

  /** The circuit the completion pipeline consults and feeds. */
  get circuit(): CircuitBreaker {
    return this.#breaker;
  }

  /** The configured verifier (empty baseUrl: the embedded one) and key changed: forget what was known. */
  configure(target: ProbeTarget): void {
    this.#configuredTarget = target.baseUrl === "" ? undefined : target;
    this.#engineTarget = undefined;
    this.#breaker.reset();
  }

  /** An engine is (being) built against this verifier: it is what later probes check. */
  useEngineTarget(target: ProbeTarget): void {
    this.#engineTarget = target;
  }

  /** A verified completion came back: the verifier is there. */
  served(): void {
    this.#report(true, undefined);
  }

  /** Probes the verifier completions use and reports what it found. */
  async check(): Promise<void> {
    const result = await this.#probe(undefined);
    if (result === undefined) return; // the embedded verifier before it started: nothing to probe yet
    if (result.status === "ok") this.#report(true, undefined);
    else if (result.status === "unauthorized") this.#report(true, `The verifier rejected the API key (${result.message}): set it with ConfigSpec: Set Verifier API Key`);
    else if (result.status === "failing") this.#report(true, `Verifier failing: ${result.message}`);
    else this.#report(false, `Verifier unreachable: ${result.message}`);
  }

  dispose(): void {
    this.#breaker.dispose();
  }

  async #probe(signal: AbortSignal | undefined): Promise<VerifierProbeResult | undefined> {
    const target = this.#engineTarget ?? this.#configuredTarget;
    if (!target) return undefined;
    const client = new VerifierClient({ baseUrl: target.baseUrl, model: target.model || "unknown", apiKey: target.apiKey });
    try {
      const result = await client.probe({ signal });
      this.#options.log.info(`verifier probe: ${result.status}`);
      return result;
    } finally {
      client.dispose();
    }
  }

  #report(reachable: boolean, problem: string | undefined): void {
    const { status, log } = this.#options;
    // While the circuit is open the breaker owns reachability: an HTTP 503 is an answer to a probe, not a working verifier.
    if (!this.#breaker.closed) reachable = false;
    if (status.current.verifierReachable !== reachable) log.info(`verifier ${reachable ? "reachable" : "unreachable"}`);
    status.batch(() => {
      status.update({ verifierReachable: reachable });
      status.problem("verifier", "warning", problem);
    });
  }

  #circuitChanged(state: CircuitState): void {
    const { status, log } = this.#options;
    if (state.state === "closed") {
      log.info("verifier back: circuit closed, completions are verified again");
      this.#options.onRecovered();
      status.batch(() => {
        status.clear("circuit");
        status.update({ verifierReachable: true });
      });
      return;
    }
    if (state.probing) return;
    const seconds = Math.max(1, Math.round((state.probeAt - Date.now()) / 1000));
    status.batch(() => {
      status.update({ verifierReachable: false });
      status.problem("circuit", "warning", `Verifier unavailable: ${this.#options.fallback()} until it answers again (next check in ${seconds} s). Last error: ${state.reason}`);
    });
  }
}
