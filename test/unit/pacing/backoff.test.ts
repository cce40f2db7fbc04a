import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../../lib/pacing/backoff.js";

describe("backoffDelayMs", () => {
  it.each([
    [1, 0, 125],
    [1, 1, 250],
    [2, 0, 250],
    [3, 0.5, 750],
    [5, 1, 4_000],
    [6, 1, 5_000],
    [20, 0, 2_500],
  ])("after attempt %i with random %f waits %i ms (base 250, max 5000)", (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, { baseMs: 250, maxMs: 5_000 }, () => random)).toBe(expected);
  });
});
