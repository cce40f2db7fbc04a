import type { ConfigurationProblem } from "../auth0/PutOutcome.js";

/** Why the circuit is open: Auth0 is not answering, or it refuses our configuration. */
export type OpenReason = "unavailable" | "configuration";

/** The breaker's state, for decisions, progress lines and logs. */
export type CircuitState =
  | { status: "closed" }
  | {
      status: "open";
      reason: OpenReason;
      /** When it opened, epoch ms. */
      sinceMs: number;
      /** The last failure's status: `503`, `timeout`, `network`, `401`, `credentials`... */
      lastStatus: number | string;
      /** Its message (Auth0's or ours; never a secret). */
      lastMessage: string;
      /** For `configuration`: what the operator must fix. */
      problem?: ConfigurationProblem;
      /** When the next probe may go, epoch ms. */
      nextProbeAtMs: number;
      /** The probe interval, ms. */
      probeIntervalMs: number;
    };

/** What a caller may do now. */
export type Permit =
  /** Closed: call Auth0. */
  | "call"
  /** Open and a probe is due: call Auth0 once, and report the outcome. */
  | "probe"
  /** Open: do not call Auth0; keep the record (requeue it with a delay). */
  | "hold";

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Failures in a row (no answer from Auth0 in between) that open the circuit. @default 5 */
  failureThreshold?: number;
  /**
   * Distinct sources among those failures (users, or the token endpoint, each of whose failures counts as
   * its own source): one user's persistent 5xx is that user's failure, not an incident. @default 2
   */
  minDistinctSources?: number;
  /** Time between probes while open, ms. @default 30_000 */
  probeIntervalMs?: number;
  /** Called whenever the state changes (opens, closes, changes reason). */
  onChange?: (state: CircuitState) => void;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
}

/** One failure of the current run of failures. */
interface Failure {
  source: string;
  status: number | string;
  message: string;
}

let uniqueSource = 0;

/**
 * A circuit breaker in front of Auth0, one per worker (per Lambda container): after a run of transient
 * failures (5xx, timeouts, network errors, the token endpoint failing) from at least two sources it opens, and
 * a configuration error (credentials refused, a missing scope) opens it at once. While open, nothing calls
 * Auth0 but one probe every `probeIntervalMs`; any answer from Auth0 (2xx, 4xx, 429) closes it.
 *
 * When the failures since it opened all come from one source (a lone user's persistent 5xx probing again
 * and again), it closes: that user's attempts then count and it reaches the DLQ, instead of being held for ever.
 *
 * @example
 * const breaker = new CircuitBreaker({ probeIntervalMs: 30_000 });
 * const permit = breaker.permit();
 * if (permit === "hold") return requeue(record);
 * const outcome = await client.putAuthenticationMethods(userId, methods);
 * breaker.record(outcome, userId);
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #minDistinctSources: number;
  readonly #probeIntervalMs: number;
  readonly #clock: () => number;
  readonly #onChange: ((state: CircuitState) => void) | undefined;
  #state: CircuitState = { status: "closed" };
  #failures: Failure[] = [];
  #probeStartedAtMs: number | undefined;

  public constructor(options: CircuitBreakerOptions = {}) {
    this.#failureThreshold = options.failureThreshold ?? 5;
    this.#minDistinctSources = options.minDistinctSources ?? 2;
    this.#probeIntervalMs = options.probeIntervalMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
    this.#onChange = options.onChange;
    if (!Number.isInteger(this.#failureThreshold) || this.#failureThreshold < 1) {
      throw new RangeError(`failureThreshold must be an integer ≥ 1, got ${this.#failureThreshold}`);
    }
    if (!Number.isInteger(this.#minDistinctSources) || this.#minDistinctSources < 1) {
      throw new RangeError(`minDistinctSources must be an integer ≥ 1, got ${this.#minDistinctSources}`);
    }
    if (!Number.isFinite(this.#probeIntervalMs) || this.#probeIntervalMs <= 0) {
      throw new RangeError(`probeIntervalMs must be > 0, got ${this.#probeIntervalMs}`);
    }
  }

  /** A copy of the state now. */
  public get state(): CircuitState {
    return { ...this.#state };
  }

  public get probeIntervalMs(): number {
    return this.#probeIntervalMs;
  }

  /** Whether a caller may call Auth0 now; a `probe` must be followed by one of the `record…` calls. */
  public permit(): Permit {
    const state = this.#state;
    if (state.status === "closed") return "call";
    const now = this.#clock();
    // A probe that never reported (its caller crashed) does not block the next one for ever.
    const probing =
      this.#probeStartedAtMs !== undefined && now - this.#probeStartedAtMs < this.#probeIntervalMs;
    if (probing || now < state.nextProbeAtMs) return "hold";
    this.#probeStartedAtMs = now;
    return "probe";
  }

  /** A `probe` permit that was not used (no time left for the call): the next caller may probe. */
  public cancelProbe(): void {
    this.#probeStartedAtMs = undefined;
  }

  /** Auth0 answered (2xx, 4xx other than a configuration error, 429): the circuit closes. */
  public recordAnswer(): void {
    this.#failures = [];
    this.#probeStartedAtMs = undefined;
    this.#set({ status: "closed" });
  }

  /**
   * A transient failure (5xx, 408, timeout, network, the token endpoint down). `source` is the user whose
   * call failed; leave it out for a failure that is not one user's (the token endpoint).
   */
  public recordFailure(status: number | string, message: string, source?: string): void {
    const wasProbe = this.#probeStartedAtMs !== undefined;
    this.#probeStartedAtMs = undefined;
    this.#failures.push({ source: source ?? `shared#${++uniqueSource}`, status, message });
    if (this.#failures.length > this.#failureThreshold) this.#failures.shift();
    const now = this.#clock();
    const state = this.#state;
    if (state.status === "open") {
      if (state.reason === "unavailable" && wasProbe && this.#oneSource()) {
        // Every recent failure is one user's: not an incident.
        this.#failures = [];
        this.#set({ status: "closed" });
        return;
      }
      this.#set({
        ...state,
        ...(state.reason === "unavailable" ? { lastStatus: status, lastMessage: message } : {}),
        nextProbeAtMs: wasProbe ? now + this.#probeIntervalMs : state.nextProbeAtMs,
      });
      return;
    }
    if (
      this.#failures.length >= this.#failureThreshold &&
      this.#distinctSources() >= this.#minDistinctSources
    ) {
      this.#open("unavailable", status, message, undefined, now);
    }
  }

  /** A configuration error: the same for every user, so the circuit opens at once with that reason. */
  public recordConfigurationError(
    problem: ConfigurationProblem,
    status: number | string,
    message: string,
  ): void {
    this.#probeStartedAtMs = undefined;
    this.#failures = [];
    this.#open("configuration", status, message, problem, this.#clock());
  }

  #open(
    reason: OpenReason,
    status: number | string,
    message: string,
    problem: ConfigurationProblem | undefined,
    now: number,
  ): void {
    const state = this.#state;
    const sinceMs = state.status === "open" && state.reason === reason ? state.sinceMs : now;
    this.#set({
      status: "open",
      reason,
      sinceMs,
      lastStatus: status,
      lastMessage: message,
      ...(problem === undefined ? {} : { problem }),
      nextProbeAtMs: now + this.#probeIntervalMs,
      probeIntervalMs: this.#probeIntervalMs,
    });
  }

  #distinctSources(): number {
    return new Set(this.#failures.map((failure) => failure.source)).size;
  }

  #oneSource(): boolean {
    return this.#failures.length >= this.#failureThreshold && this.#distinctSources() === 1;
  }

  #set(next: CircuitState): void {
    const previous = this.#state;
    this.#state = next;
    const changed =
      previous.status !== next.status ||
      (previous.status === "open" &&
        next.status === "open" &&
        (previous.reason !== next.reason ||
          previous.lastStatus !== next.lastStatus ||
          previous.problem !== next.problem));
    if (changed) this.#onChange?.({ ...next });
  }
}
