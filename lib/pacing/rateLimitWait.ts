import type { RateLimit } from "../auth0/RateLimit.js";

/**
 * Requests of the tenant's bucket kept for live traffic: `ceil(limit × (1 − budgetShare))`.
 * With a share of 1 nothing is reserved, but an empty bucket still stops the sync (see {@link rateLimitWaitMs}).
 */
export function reservedRequests(limit: number, budgetShare: number): number {
  // The epsilon keeps 50 × (1 − 0.8) = 10.000000000000002 at 10.
  return Math.max(0, Math.ceil(limit * (1 - budgetShare) - 1e-9));
}

/**
 * The header rule of the pacer, without jitter: how long to stop sending after a response reported `rateLimit`
 * at `nowMs`. The sync may spend the bucket down to the reserve and no further: while `remaining` is above it,
 * no wait (`undefined`); at or below it (or at 0), wait until `x-ratelimit-reset`, when Auth0 adds requests to
 * the bucket again. A reset already past (it is in whole seconds) gives a wait of 0: the caller still pauses
 * for its jitter.
 *
 * @example
 * rateLimitWaitMs({ limit: 50, remaining: 9, resetAtMs: 1_001_000 }, 1_000_400, 0.8); // 600
 * rateLimitWaitMs({ limit: 50, remaining: 30, resetAtMs: 1_001_000 }, 1_000_400, 0.8); // undefined
 */
export function rateLimitWaitMs(
  rateLimit: RateLimit,
  nowMs: number,
  budgetShare: number,
): number | undefined {
  const floor = reservedRequests(rateLimit.limit, budgetShare);
  if (rateLimit.remaining > floor) return undefined;
  return Math.max(0, rateLimit.resetAtMs - nowMs);
}
