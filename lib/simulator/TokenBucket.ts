/** What a tenant's bucket reports on every Management API response (the `x-ratelimit-*` headers). */
export interface RateLimitState {
  /** Bucket size: `x-ratelimit-limit`. */
  limit: number;
  /** Whole tokens left: `x-ratelimit-remaining`. */
  remaining: number;
  /**
   * `x-ratelimit-reset`: UNIX seconds (rounded up) when the bucket will be full again if nothing else is taken.
   * This is how Auth0's own token-bucket library (limitd) defines `reset`; it is not "when the next request
   * will be accepted", which is sooner whenever `remaining` is 0.
   */
  reset: number;
}

/** The outcome of one {@link TokenBucket.take}. */
export interface TakeResult extends RateLimitState {
  /** Whether a token was available (the request may proceed) or not (429). */
  conformant: boolean;
}

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. Must be > 0. */
  rps: number;
  /** Bucket size, the largest burst. Must be ≥ 1. The bucket starts full. */
  burst: number;
  /**
   * Tokens taken per second by other clients of the tenant (its live traffic), continuously; the bucket
   * never goes below zero because of it.
   * @default 0
   */
  liveTrafficRps?: number;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/**
 * A token bucket refilled continuously (not in whole-second steps), like a tenant's Management API limit.
 *
 * @example
 * const bucket = new TokenBucket({ rps: 16, burst: 50 });
 * const { conformant, remaining, reset, limit } = bucket.take();
 */
export class TokenBucket {
  #rps: number;
  #burst: number;
  #liveTrafficRps: number;
  #tokens: number;
  #updatedAt: number;
  readonly #clock: () => number;

  constructor(options: TokenBucketOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#rps = options.rps;
    this.#burst = options.burst;
    this.#liveTrafficRps = options.liveTrafficRps ?? 0;
    this.#tokens = options.burst;
    this.#updatedAt = this.#clock();
  }

  /** Takes `count` tokens if there are that many; otherwise takes none. */
  take(count = 1): TakeResult {
    this.#refill();
    const conformant = this.#tokens >= count;
    if (conformant) this.#tokens -= count;
    return { conformant, ...this.#state() };
  }

  /** Takes up to `count` tokens on behalf of other clients (live traffic); stops at zero. */
  consume(count: number): RateLimitState {
    this.#refill();
    this.#tokens = Math.max(0, this.#tokens - count);
    return this.#state();
  }

  /** The current state, taking nothing. */
  peek(): RateLimitState {
    this.#refill();
    return this.#state();
  }

  /** Changes the rate, size or live traffic from now on; tokens above a smaller size are dropped. */
  configure(options: Partial<Pick<TokenBucketOptions, "rps" | "burst" | "liveTrafficRps">>): void {
    this.#refill();
    this.#rps = options.rps ?? this.#rps;
    this.#burst = options.burst ?? this.#burst;
    this.#liveTrafficRps = options.liveTrafficRps ?? this.#liveTrafficRps;
    this.#tokens = Math.min(this.#tokens, this.#burst);
  }

  /** Fills the bucket. */
  fill(): void {
    this.#refill();
    this.#tokens = this.#burst;
  }

  #refill(): void {
    const now = this.#clock();
    const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    const net = (this.#rps - this.#liveTrafficRps) * elapsedSeconds;
    this.#tokens = Math.min(this.#burst, Math.max(0, this.#tokens + net));
  }

  #state(): RateLimitState {
    // Reset assumes no further takes, so it uses the refill rate alone (live traffic is future takes).
    const secondsToFull = (this.#burst - this.#tokens) / this.#rps;
    return {
      limit: this.#burst,
      remaining: Math.floor(this.#tokens),
      reset: Math.ceil((this.#updatedAt + secondsToFull * 1000) / 1000),
    };
  }
}
