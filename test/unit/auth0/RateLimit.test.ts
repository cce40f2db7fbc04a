import { describe, expect, it } from "vitest";
import { readRateLimit } from "../../../lib/auth0/RateLimit.js";

describe("readRateLimit", () => {
  it("reads the three headers, the reset turned into epoch milliseconds", () => {
    const headers = new Headers({
      "X-RateLimit-Limit": "50",
      "X-RateLimit-Remaining": "49",
      "X-RateLimit-Reset": "1764439201",
    });
    expect(readRateLimit(headers)).toEqual({ limit: 50, remaining: 49, resetAtMs: 1_764_439_201_000 });
  });

  it.each([
    ["a header is missing", { "x-ratelimit-limit": "50", "x-ratelimit-remaining": "49" }],
    [
      "a value is not a number",
      { "x-ratelimit-limit": "50", "x-ratelimit-remaining": "x", "x-ratelimit-reset": "1" },
    ],
    [
      "a value is negative",
      { "x-ratelimit-limit": "50", "x-ratelimit-remaining": "-1", "x-ratelimit-reset": "1" },
    ],
    ["a value is empty", { "x-ratelimit-limit": "", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "1" }],
  ])("returns undefined when %s", (_case, headers) => {
    expect(readRateLimit(new Headers(headers))).toBeUndefined();
  });
});
