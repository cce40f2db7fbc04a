import { SimulatorOptionsError } from "./errors.js";

/**
 * How calls fail during an outage: an HTTP 5xx answer, a connection destroyed without an answer, or no answer
 * at all (the request hangs until the client gives up or the outage ends).
 */
export type OutageMode = "error" | "reset" | "timeout";

/** An outage to schedule: from when, for how long, and how every call (the token endpoint included) fails. */
export interface OutageSchedule {
  /** Milliseconds after `from` at which it starts. @default 0 */
  afterMs?: number;
  /** How long it lasts, ms. @default Infinity (until {@link IncidentState.endOutage}) */
  forMs?: number;
  /** @default "error" */
  mode?: OutageMode;
  /** The 5xx status of `error` mode. @default 503 */
  status?: number;
  /**
   * What `afterMs` counts from: now, or the next Management API request (so an outage can start a few seconds
   * into a run's PUTs, whatever the run did before). @default "now"
   */
  from?: "now" | "firstRequest";
}

/** A scheduled or running outage, in the simulator's clock. */
export interface Outage {
  mode: OutageMode;
  status: number;
  /** Epoch ms; `undefined` while it waits for its first request. */
  startsAtMs: number | undefined;
  /** Epoch ms, exclusive; `Infinity` when open-ended. */
  endsAtMs: number;
  /** While waiting for the first request: the delay after it. */
  afterMs: number;
}

/** The token endpoint refuses every client: 401 (bad credentials) or 403 (no client grant for the API). */
export type TokenRefusal = 401 | 403;

/** What the simulator's incident knobs are now (also the control route's answer). */
export interface IncidentSnapshot {
  outage?: { mode: OutageMode; status: number; startsAt?: string; endsAt?: string; active: boolean };
  tokenRefusal?: TokenRefusal;
}

/** Checks and fills an outage schedule. @throws SimulatorOptionsError */
export function resolveOutage(schedule: OutageSchedule, nowMs: number): Outage {
  const afterMs = schedule.afterMs ?? 0;
  const forMs = schedule.forMs ?? Number.POSITIVE_INFINITY;
  const mode = schedule.mode ?? "error";
  const status = schedule.status ?? 503;
  if (!Number.isFinite(afterMs) || afterMs < 0) {
    throw new SimulatorOptionsError("outage.afterMs", `must be ≥ 0, got ${afterMs}`);
  }
  if (Number.isNaN(forMs) || forMs <= 0) {
    throw new SimulatorOptionsError("outage.forMs", `must be > 0, got ${forMs}`);
  }
  if (!["error", "reset", "timeout"].includes(mode)) {
    throw new SimulatorOptionsError("outage.mode", `must be error, reset or timeout, got ${mode}`);
  }
  if (!Number.isInteger(status) || status < 500 || status > 599) {
    throw new SimulatorOptionsError("outage.status", `must be a 5xx status, got ${status}`);
  }
  const startsAtMs = schedule.from === "firstRequest" ? undefined : nowMs + afterMs;
  return {
    mode,
    status,
    startsAtMs,
    endsAtMs: startsAtMs === undefined ? forMs : startsAtMs + forMs,
    afterMs,
  };
}

/** Checks a token refusal. @throws SimulatorOptionsError */
export function resolveTokenRefusal(value: unknown): TokenRefusal | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== 401 && value !== 403) {
    throw new SimulatorOptionsError("tokenRefusal", `must be 401 or 403, got ${String(value)}`);
  }
  return value;
}

/**
 * The simulator's incident state: an outage window (every call fails, the token endpoint included) and a
 * configuration error of the token endpoint. Time comes from the simulator's clock.
 */
export class IncidentState {
  #outage: Outage | undefined;
  #tokenRefusal: TokenRefusal | undefined;

  public constructor(private readonly clock: () => number) {}

  /** Schedules an outage, replacing any other. @throws SimulatorOptionsError */
  public scheduleOutage(schedule: OutageSchedule): void {
    this.#outage = resolveOutage(schedule, this.clock());
  }

  /** Ends the outage now (or cancels a scheduled one). */
  public endOutage(): void {
    this.#outage = undefined;
  }

  public set tokenRefusal(value: TokenRefusal | undefined) {
    this.#tokenRefusal = resolveTokenRefusal(value);
  }

  public get tokenRefusal(): TokenRefusal | undefined {
    return this.#tokenRefusal;
  }

  /** Called on every Management API request: starts an outage that waited for one. */
  public requestArrived(): void {
    const outage = this.#outage;
    if (outage && outage.startsAtMs === undefined) {
      const startsAtMs = this.clock() + outage.afterMs;
      // While waiting, endsAtMs held the duration.
      this.#outage = { ...outage, startsAtMs, endsAtMs: startsAtMs + outage.endsAtMs };
    }
  }

  /** The outage in force now, if any. */
  public activeOutage(): Outage | undefined {
    const outage = this.#outage;
    if (outage?.startsAtMs === undefined) return undefined;
    const now = this.clock();
    return now >= outage.startsAtMs && now < outage.endsAtMs ? outage : undefined;
  }

  /** Milliseconds until the active outage ends (`Infinity` when open-ended), 0 when none is active. */
  public outageLeftMs(): number {
    const outage = this.activeOutage();
    return outage === undefined ? 0 : outage.endsAtMs - this.clock();
  }

  public snapshot(): IncidentSnapshot {
    const outage = this.#outage;
    const iso = (ms: number | undefined) =>
      ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
    return {
      ...(outage
        ? {
            outage: {
              mode: outage.mode,
              status: outage.status,
              ...(iso(outage.startsAtMs) ? { startsAt: iso(outage.startsAtMs) } : {}),
              ...(outage.startsAtMs !== undefined && iso(outage.endsAtMs)
                ? { endsAt: iso(outage.endsAtMs) }
                : {}),
              active: this.activeOutage() !== undefined,
            },
          }
        : {}),
      ...(this.#tokenRefusal ? { tokenRefusal: this.#tokenRefusal } : {}),
    };
  }
}
