/** Counters of what the simulator served, for assertions and benchmarks. */
export interface SimulatorStats {
  /** Every HTTP request received (token, Management API and unknown paths). */
  requests: number;
  /** Responses by HTTP status (connections reset by a fault are not responses). */
  byStatus: Record<number, number>;
  /** Management API requests answered 429. */
  throttled: number;
  /** Access tokens issued by `/oauth/token`. */
  tokensIssued: number;
  /** PUTs to `/api/v2/users/{id}/authentication-methods` received, whatever their answer. */
  puts: number;
  /** PUTs that replaced a user's methods (answered 200). */
  applied: number;
  /** Connections destroyed by an injected reset fault or a `reset` outage. */
  resets: number;
  /** Requests (token endpoint included) failed by an outage. */
  outageFailures: number;
  /** The most Management API requests in flight at once. */
  maxConcurrent: number;
  /** Management API requests in flight now. */
  inFlight: number;
}

/** Keeps {@link SimulatorStats}; hands out copies. */
export class StatsRecorder {
  #stats: SimulatorStats = StatsRecorder.#empty();

  static #empty(): SimulatorStats {
    return {
      requests: 0,
      byStatus: {},
      throttled: 0,
      tokensIssued: 0,
      puts: 0,
      applied: 0,
      resets: 0,
      outageFailures: 0,
      maxConcurrent: 0,
      inFlight: 0,
    };
  }

  get current(): SimulatorStats {
    return this.#stats;
  }

  response(status: number): void {
    this.#stats.byStatus[status] = (this.#stats.byStatus[status] ?? 0) + 1;
    if (status === 429) this.#stats.throttled++;
  }

  started(): void {
    this.#stats.inFlight++;
    this.#stats.maxConcurrent = Math.max(this.#stats.maxConcurrent, this.#stats.inFlight);
  }

  finished(): void {
    this.#stats.inFlight--;
  }

  snapshot(): SimulatorStats {
    return { ...this.#stats, byStatus: { ...this.#stats.byStatus } };
  }

  /** Zeroes every counter but the requests still in flight. */
  clear(): void {
    const inFlight = this.#stats.inFlight;
    this.#stats = StatsRecorder.#empty();
    this.#stats.inFlight = inFlight;
    this.#stats.maxConcurrent = inFlight;
  }
}
