import { describe, expect, it } from "vitest";
import { rateLimitWaitMs, reservedRequests } from "../../../lib/pacing/rateLimitWait.js";

const now = 1_764_439_200_400;

describe("rateLimitWaitMs", () => {
  it.each([
    // limit, remaining, reset (ms after now), share, expected wait
    { limit: 50, remaining: 50, resetInMs: 600, share: 0.8, wait: undefined },
    { limit: 50, remaining: 11, resetInMs: 600, share: 0.8, wait: undefined },
    { limit: 50, remaining: 10, resetInMs: 600, share: 0.8, wait: 600 },
    { limit: 50, remaining: 3, resetInMs: 600, share: 0.8, wait: 600 },
    { limit: 50, remaining: 0, resetInMs: 600, share: 0.8, wait: 600 },
    { limit: 50, remaining: 1, resetInMs: 600, share: 1, wait: undefined },
    { limit: 50, remaining: 0, resetInMs: 600, share: 1, wait: 600 },
    { limit: 10, remaining: 5, resetInMs: 2_600, share: 0.5, wait: 2_600 },
    { limit: 10, remaining: 6, resetInMs: 2_600, share: 0.5, wait: undefined },
    { limit: 2, remaining: 1, resetInMs: 600, share: 0.8, wait: 600 },
    { limit: 2, remaining: 2, resetInMs: 600, share: 0.8, wait: undefined },
    { limit: 50, remaining: 5, resetInMs: -400, share: 0.8, wait: 0 },
  ])(
    "limit $limit, remaining $remaining, reset in $resetInMs ms, share $share: waits $wait ms",
    ({ limit, remaining, resetInMs, share, wait }) => {
      expect(rateLimitWaitMs({ limit, remaining, resetAtMs: now + resetInMs }, now, share)).toBe(wait);
    },
  );
});

describe("reservedRequests", () => {
  it.each([
    [50, 0.8, 10],
    [50, 1, 0],
    [10, 0.8, 2],
    [16, 0.8, 4],
    [2, 0.8, 1],
    [1000, 0.95, 50],
  ])("keeps %i × (1 − %f) rounded up = %i requests for live traffic", (limit, share, reserved) => {
    expect(reservedRequests(limit, share)).toBe(reserved);
  });
});
