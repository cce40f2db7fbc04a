import { readRateLimit } from "../auth0/RateLimit.js";

/** What the tenant's `x-ratelimit-*` headers told about its rate limit. */
export interface ObservedRateLimit {
  /** `x-ratelimit-limit`: the bucket's size. */
  limit: number;
  /**
   * Requests per second the bucket refills, estimated from the responses that found it well below full:
   * (limit − remaining) ÷ (reset − now). `x-ratelimit-reset` is whole seconds, rounded up, so a single
   * reading underestimates; the highest reading is kept. Undefined until the bucket has been drawn down.
   */
  refillPerSecond?: number;
}

/** Readings with fewer requests missing from the bucket say little (the reset's rounding dominates). */
const MIN_DEFICIT = 10;

/**
 * Watches the Management API responses of a run for the tenant's rate-limit headers, so that a run can say when
 * the tenant, not `--rps`, sets its pace. Wraps a `fetch`; the responses pass through untouched.
 *
 * @example
 * const observer = new TenantRateObserver();
 * const fetch = observer.wrap(globalThis.fetch);
 * // ... after some PUTs:
 * observer.observed; // { limit: 50, refillPerSecond: 16 }
 */
export class TenantRateObserver {
  #limit: number | undefined;
  #refill: number | undefined;

  public constructor(private readonly clock: () => number = Date.now) {}

  /** The tenant's limit as seen so far, or undefined before any response carried the headers. */
  public get observed(): ObservedRateLimit | undefined {
    if (this.#limit === undefined) return undefined;
    return { limit: this.#limit, ...(this.#refill === undefined ? {} : { refillPerSecond: this.#refill }) };
  }

  /** Records one response's headers (those without all three `x-ratelimit-*` are ignored). */
  public record(headers: Headers): void {
    const rateLimit = readRateLimit(headers);
    if (rateLimit === undefined) return;
    this.#limit = rateLimit.limit;
    const deficit = rateLimit.limit - rateLimit.remaining;
    const seconds = (rateLimit.resetAtMs - this.clock()) / 1000;
    if (deficit < MIN_DEFICIT || seconds <= 0) return;
    const estimate = deficit / seconds;
    this.#refill = Math.max(this.#refill ?? 0, estimate);
  }

  /** A `fetch` that records the headers of every response to `/api/v2/` before returning it. */
  public wrap(fetchImpl: typeof fetch): typeof fetch {
    return async (input, init) => {
      const response = await fetchImpl(input, init);
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.includes("/api/v2/")) this.record(response.headers);
      return response;
    };
  }
}
