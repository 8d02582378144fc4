import { VerifierUnavailableError } from "./verifierUnavailableError.js";
import { errorMessageOf } from "../util/errorMessage.js";

/** Consecutive unavailability failures that open the circuit. Default 3. */
export const DEFAULT_FAILURE_THRESHOLD = 3;
/** First cool-down after the circuit opens, ms. Default 10 s. */
export const DEFAULT_COOL_DOWN_MS = 10_000;
/** Cool-downs double after every failed probe, up to this, ms. Default 2 min. */
export const DEFAULT_MAX_COOL_DOWN_MS = 120_000;

/** `closed`: calls go through. `open`: calls fail fast until a probe finds the verifier back. */
export type CircuitState =
  | { state: "closed"; consecutiveFailures: number }
  | { state: "open"; since: number; probeAt: number; reason: string; probing: boolean };

export interface CircuitBreakerOptions {
  /** Is the verifier back? True closes the circuit; false or a rejection keeps it open. */
  probe: (signal: AbortSignal) => Promise<boolean>;
  /** Default {@link DEFAULT_FAILURE_THRESHOLD}. */
  failureThreshold?: number;
  /** Default {@link DEFAULT_COOL_DOWN_MS}. */
  coolDownMs?: number;
  /** Default {@link DEFAULT_MAX_COOL_DOWN_MS}. */
  maxCoolDownMs?: number;
  /** Called after every transition (closed ↔ open, and each probe start or failure). */
  onStateChange?: (state: CircuitState) => void;
  /** Default `Date.now`. */
  now?: () => number;
}

/**
 * Whether an error means the verifier is not there (refused, cut, DNS, timeout, 429/5xx after
 * every retry) — the failures a circuit breaker counts. Auth, request and response errors are a
 * verifier that answers: another call would answer the same, so they do not open the circuit.
 */
export function isVerifierUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (current instanceof VerifierUnavailableError || current.name === "VerifierUnavailableError" || current.name === "VerifierTimeoutError") return true;
  }
  return false;
}

/**
 * A circuit breaker for one verifier endpoint (Nygard, "Release It!", 2007): after N
 * consecutive unavailability failures it stops calling the verifier for a cool-down, then
 * probes it (a cheap `GET /models`, not a completion) until it answers; each failed probe
 * doubles the cool-down. While open, callers fail fast or fall back, instead of every
 * keystroke waiting out timeouts and retries against a dead endpoint.
 */
export class CircuitBreaker {
  readonly #options: Required<Omit<CircuitBreakerOptions, "onStateChange">> & Pick<CircuitBreakerOptions, "onStateChange">;
  #state: CircuitState = { state: "closed", consecutiveFailures: 0 };
  #coolDownMs: number;
  #timer: NodeJS.Timeout | undefined;
  #probeController: AbortController | undefined;
  #disposed = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = {
      failureThreshold: DEFAULT_FAILURE_THRESHOLD,
      coolDownMs: DEFAULT_COOL_DOWN_MS,
      maxCoolDownMs: DEFAULT_MAX_COOL_DOWN_MS,
      now: Date.now,
      ...options,
    };
    this.#coolDownMs = this.#options.coolDownMs;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** True when calls may go to the verifier now. */
  get closed(): boolean {
    return this.#state.state === "closed";
  }

  recordSuccess(): void {
    if (this.#state.state === "closed" && this.#state.consecutiveFailures === 0) return;
    this.#close();
  }

  /** Counts `error` if it is an unavailability failure; returns true when this opened the circuit. */
  recordFailure(error: unknown): boolean {
    if (this.#disposed || !isVerifierUnavailable(error) || this.#state.state === "open") return false;
    const consecutiveFailures = this.#state.consecutiveFailures + 1;
    if (consecutiveFailures < this.#options.failureThreshold) {
      this.#state = { state: "closed", consecutiveFailures };
      return false;
    }
    this.#open(errorMessageOf(error));
    return true;
  }

  /** Back to closed, forgetting failures and cool-down (the endpoint or its key changed). */
  reset(): void {
    this.#close();
  }

  /** Probes now instead of waiting out the cool-down (no-op unless open and idle). */
  probeNow(): void {
    if (this.#state.state === "open" && !this.#state.probing) void this.#runProbe();
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#probeController?.abort();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #open(reason: string): void {
    const now = this.#options.now();
    this.#setState({ state: "open", since: this.#state.state === "open" ? this.#state.since : now, probeAt: now + this.#coolDownMs, reason, probing: false });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#runProbe(), this.#coolDownMs);
    // A pending probe must not keep a daemon that is shutting down alive.
    this.#timer.unref();
  }

  #close(): void {
    clearTimeout(this.#timer);
    this.#probeController?.abort();
    this.#coolDownMs = this.#options.coolDownMs;
    const wasOpen = this.#state.state === "open";
    this.#state = { state: "closed", consecutiveFailures: 0 };
    if (wasOpen) this.#options.onStateChange?.(this.#state);
  }

  async #runProbe(): Promise<void> {
    const current = this.#state;
    if (this.#disposed || current.state !== "open" || current.probing) return;
    const controller = new AbortController();
    this.#probeController = controller;
    this.#setState({ ...current, probing: true });
    let healthy = false;
    let reason = current.reason;
    try {
      healthy = await this.#options.probe(controller.signal);
      if (!healthy) reason = "the health probe failed";
    } catch (error) {
      reason = `the health probe failed: ${errorMessageOf(error)}`;
    }
    // Closed, reset or disposed meanwhile: this probe's answer is stale.
    if (controller.signal.aborted || this.#disposed || this.#state.state !== "open") return;
    if (healthy) return this.#close();
    this.#coolDownMs = Math.min(this.#coolDownMs * 2, this.#options.maxCoolDownMs);
    this.#open(reason);
  }

  #setState(state: CircuitState): void {
    this.#state = state;
    this.#options.onStateChange?.(state);
  }
}
