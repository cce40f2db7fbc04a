import type { RateLimit } from "../auth0/RateLimit.js";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { PacerOptionsError } from "./errors.js";
import { rateLimitWaitMs } from "./rateLimitWait.js";
import { realSleep, type Sleep } from "./sleep.js";

/** Options of {@link Pacer}. See docs/pacing.md for the reasoning behind each. */
export interface PacerOptions {
  /** Requests per second for the whole fleet of workers. @default 10 */
  rpsCeiling?: number;
  /** Workers sharing the ceiling: the event source's MaximumConcurrency. @default 2 */
  maxConcurrency?: number;
  /** Share of the tenant's bucket (`x-ratelimit-limit`) the sync may use; the rest is kept for live traffic. @default 0.8 */
  budgetShare?: number;
  /** Largest random delay added after a reset, so workers do not all resume in the same millisecond. @default 250 */
  jitterMs?: number;
  /** Longest single header or 429 wait (a far-off reset is waited in steps). @default 60_000 */
  maxWaitMs?: number;
  /** Wait after a 429 that carried no `x-ratelimit-reset`. @default 1_000 */
  fallbackWaitMs?: number;
  /** Idle time a worker may make up, in request intervals (1 lets two requests go together after a lull). @default 1 */
  catchUpIntervals?: number;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** @default a timer */
  sleep?: Sleep;
  /** @default Math.random */
  random?: () => number;
}

/** What the pacer has done so far (for logs, tests and the benchmark). */
export interface PacerStats {
  /** Slots handed out by {@link Pacer.acquire}. */
  acquired: number;
  /** Pauses started because `remaining` reached the reserve. */
  headerPauses: number;
  /** Pauses started by a 429. */
  throttledPauses: number;
}

/**
 * Keeps one worker inside its share of the tenant's rate limit. Two rules, both must allow a request:
 *
 * 1. Spacing: one request every `maxConcurrency / rpsCeiling` seconds, scheduled on a fixed grid (a late
 *    timer does not push later slots back), so the fleet's rate is the ceiling, smoothly.
 * 2. Headers: the tenant's bucket is the fleet-wide counter. When a response reports `remaining` at or below
 *    the reserve (`limit × (1 − budgetShare)`), or a 429 comes, no request starts before `x-ratelimit-reset`
 *    plus jitter, and the spacing starts over from there.
 *
 * One pacer per worker (per Lambda container); all requests of the worker go through it.
 *
 * @example
 * const pacer = new Pacer({ rpsCeiling: 16, maxConcurrency: 2, budgetShare: 0.8 });
 * await pacer.acquire();
 * const sentAt = Date.now();
 * const outcome = await client.putAuthenticationMethods(userId, methods);
 * if (outcome.kind === "throttled") pacer.throttled(outcome.resetAtMs);
 * else pacer.observe(outcome.rateLimit, sentAt);
 */
export class Pacer {
  /** Milliseconds between two requests of this worker. */
  public readonly intervalMs: number;
  readonly #budgetShare: number;
  readonly #jitterMs: number;
  readonly #maxWaitMs: number;
  readonly #fallbackWaitMs: number;
  readonly #catchUpMs: number;
  readonly #clock: () => number;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  #nextSlotMs = Number.NEGATIVE_INFINITY;
  #pausedUntilMs = Number.NEGATIVE_INFINITY;
  /** Bumped by every pause: a caller that reserved its slot before it takes a new one after it. */
  #epoch = 0;
  readonly #stats: PacerStats = { acquired: 0, headerPauses: 0, throttledPauses: 0 };

  public constructor(options: PacerOptions = {}) {
    const rpsCeiling = options.rpsCeiling ?? PIPELINE_DEFAULTS.rpsCeiling;
    const maxConcurrency = options.maxConcurrency ?? PIPELINE_DEFAULTS.maxConcurrency;
    const budgetShare = options.budgetShare ?? PIPELINE_DEFAULTS.budgetShare;
    if (!(rpsCeiling > 0)) throw new PacerOptionsError("rpsCeiling", `must be > 0, got ${rpsCeiling}`);
    if (!(maxConcurrency >= 1)) {
      throw new PacerOptionsError("maxConcurrency", `must be ≥ 1, got ${maxConcurrency}`);
    }
    if (!(budgetShare > 0 && budgetShare <= 1)) {
      throw new PacerOptionsError("budgetShare", `must be in (0, 1], got ${budgetShare}`);
    }
    this.intervalMs = (1000 * maxConcurrency) / rpsCeiling;
    this.#budgetShare = budgetShare;
    this.#jitterMs = options.jitterMs ?? 250;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#fallbackWaitMs = options.fallbackWaitMs ?? 1_000;
    this.#catchUpMs = (options.catchUpIntervals ?? 1) * this.intervalMs;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
  }

  /** A copy of the counters. */
  public get stats(): PacerStats {
    return { ...this.#stats };
  }

  /** When the current (or last) header/429 pause ends, epoch milliseconds. */
  public get pausedUntilMs(): number {
    return this.#pausedUntilMs;
  }

  /**
   * Resolves `true` when this worker may send its next request. With `deadlineMs` (epoch milliseconds), it
   * resolves `false` instead, without sleeping past the deadline and without taking the slot, when the next
   * slot falls after it (a long 429 or header pause): the caller gives the work back rather than outlive its
   * invocation.
   *
   * @example
   * if (!(await pacer.acquire(Date.now() + context.getRemainingTimeInMillis() - marginMs))) return leave();
   */
  public async acquire(deadlineMs?: number): Promise<boolean> {
    for (;;) {
      const now = this.#clock();
      const epoch = this.#epoch;
      const slot = Math.max(this.#nextSlotMs, now - this.#catchUpMs, this.#pausedUntilMs);
      if (deadlineMs !== undefined && slot > deadlineMs) return false;
      this.#nextSlotMs = slot + this.intervalMs;
      if (slot > now) await this.#sleep(slot - now);
      if (epoch === this.#epoch) {
        this.#stats.acquired++;
        return true;
      }
      // A pause began while this caller waited: its slot may fall inside it, so take a new one after it.
    }
  }

  /**
   * Applies the header rule to a response's `x-ratelimit-*` reading. `sentAtMs` (when the request was sent)
   * lets the pacer ignore a reading that predates the last pause once that pause is over: the bucket has been
   * refilled since, and acting on it would pause twice for one low reading.
   */
  public observe(rateLimit: RateLimit | undefined, sentAtMs?: number): void {
    if (!rateLimit) return;
    const now = this.#clock();
    if (sentAtMs !== undefined && sentAtMs < this.#pausedUntilMs && now >= this.#pausedUntilMs) return;
    const waitMs = rateLimitWaitMs(rateLimit, now, this.#budgetShare);
    if (waitMs === undefined) return;
    if (this.#pause(now, waitMs)) this.#stats.headerPauses++;
  }

  /** A 429: no request until `resetAtMs` (from `x-ratelimit-reset`) plus jitter, or the fallback wait. */
  public throttled(resetAtMs?: number): void {
    const now = this.#clock();
    const waitMs = resetAtMs === undefined ? this.#fallbackWaitMs : Math.max(0, resetAtMs - now);
    if (this.#pause(now, waitMs)) this.#stats.throttledPauses++;
  }

  /** Starts or extends a pause; returns whether it did. */
  #pause(now: number, waitMs: number): boolean {
    const until = now + Math.min(waitMs, this.#maxWaitMs) + this.#random() * this.#jitterMs;
    if (until <= this.#pausedUntilMs) return false;
    this.#pausedUntilMs = until;
    this.#nextSlotMs = until;
    this.#epoch++;
    return true;
  }
}
