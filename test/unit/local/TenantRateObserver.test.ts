import { describe, expect, it } from "vitest";
import { TenantRateObserver } from "../../../lib/local/TenantRateObserver.js";

const NOW = 1_767_225_600_000;

function headers(limit: number, remaining: number, resetSeconds: number): Headers {
  return new Headers({
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": String(resetSeconds),
  });
}

describe("TenantRateObserver", () => {
  it("knows nothing before a response carried the headers", () => {
    const observer = new TenantRateObserver(() => NOW);
    observer.record(new Headers());
    expect(observer.observed).toBeUndefined();
  });

  it("reports the bucket size, and no refill rate while the bucket is nearly full", () => {
    const observer = new TenantRateObserver(() => NOW);
    observer.record(headers(50, 45, NOW / 1000 + 1));
    expect(observer.observed).toEqual({ limit: 50 });
  });

  it("estimates the refill rate from the deficit and the reset, keeping the highest reading", () => {
    const observer = new TenantRateObserver(() => NOW);
    observer.record(headers(50, 10, NOW / 1000 + 3)); // 40 missing, full in 3 s: 13.3/s (the reset is rounded up)
    observer.record(headers(50, 18, NOW / 1000 + 2)); // 32 missing, full in 2 s: 16/s
    observer.record(headers(50, 30, NOW / 1000 + 2)); // 20 missing in 2 s: 10/s, lower
    expect(observer.observed).toEqual({ limit: 50, refillPerSecond: 16 });
  });

  it("watches only Management API responses through the fetch it wraps, and returns them untouched", async () => {
    const observer = new TenantRateObserver(() => NOW);
    const response = new Response("{}", { headers: headers(50, 10, NOW / 1000 + 4) });
    const fetch = observer.wrap(async () => response.clone());

    await fetch("https://tenant.example.com/oauth/token");
    expect(observer.observed).toBeUndefined();
    const answered = await fetch(new URL("https://tenant.example.com/api/v2/users/x/authentication-methods"));
    expect(await answered.text()).toBe("{}");
    expect(observer.observed).toEqual({ limit: 50, refillPerSecond: 10 });
  });
});
