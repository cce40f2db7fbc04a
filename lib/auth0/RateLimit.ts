/**
 * The tenant's rate-limit bucket as one response reported it (`x-ratelimit-*` headers).
 *
 * Auth0 documents `x-ratelimit-reset` as the UNIX time, in seconds, at which additional requests are expected
 * to be added to the bucket; it is kept here in milliseconds so the pacer can compare it with its clock.
 */
export interface RateLimit {
  /** `x-ratelimit-limit`: the bucket's size (its burst). */
  limit: number;
  /** `x-ratelimit-remaining`: requests left in the bucket when the response was made. */
  remaining: number;
  /** `x-ratelimit-reset` × 1000: when more requests are added to the bucket, epoch milliseconds. */
  resetAtMs: number;
}

/** Reads a header as a finite, non-negative number, or `undefined`. */
function numberHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the `x-ratelimit-*` headers of a response. Returns `undefined` unless all three are present and
 * numeric: a partial reading would make the pacer guess.
 *
 * @example
 * const rateLimit = readRateLimit(response.headers); // { limit: 50, remaining: 49, resetAtMs: 1767225601000 }
 */
export function readRateLimit(headers: Headers): RateLimit | undefined {
  const limit = numberHeader(headers, "x-ratelimit-limit");
  const remaining = numberHeader(headers, "x-ratelimit-remaining");
  const reset = numberHeader(headers, "x-ratelimit-reset");
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, resetAtMs: reset * 1000 };
}
