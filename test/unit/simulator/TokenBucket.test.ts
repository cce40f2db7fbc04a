import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../../lib/simulator/TokenBucket.js";

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

function bucketAt(options: { rps: number; burst: number; liveTrafficRps?: number }) {
  const clock = { now: START };
  return { clock, bucket: new TokenBucket({ ...options, clock: () => clock.now }) };
}

describe("TokenBucket", () => {
  it("starts full and reports a reset of now when full", () => {
    const { bucket } = bucketAt({ rps: 2, burst: 10 });
    expect(bucket.peek()).toEqual({ limit: 10, remaining: 10, reset: START / 1000 });
  });

  it("grants exactly `burst` takes without time passing, then refuses", () => {
    const { bucket } = bucketAt({ rps: 2, burst: 3 });
    const results = Array.from({ length: 4 }, () => bucket.take());
    expect(results.map((result) => [result.conformant, result.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
  });

  it("sets reset to when the bucket will be full again, rounded up to a whole second", () => {
    const { bucket } = bucketAt({ rps: 2, burst: 10 });
    for (let i = 0; i < 5; i++) bucket.take();
    // 5 tokens missing at 2 per second: full in 2.5 s.
    expect(bucket.peek()).toEqual({ limit: 10, remaining: 5, reset: START / 1000 + 3 });
  });

  it("refills continuously at rps, never above burst", () => {
    const { bucket, clock } = bucketAt({ rps: 4, burst: 10 });
    for (let i = 0; i < 10; i++) bucket.take();
    clock.now += 250;
    expect(bucket.take()).toMatchObject({ conformant: true, remaining: 0 });
    expect(bucket.take()).toMatchObject({ conformant: false, remaining: 0 });
    clock.now += 60_000;
    expect(bucket.peek()).toMatchObject({ remaining: 10, reset: Math.ceil((START + 60_250) / 1000) });
  });

  it("subtracts live traffic from the refill and never goes below zero", () => {
    const { bucket, clock } = bucketAt({ rps: 10, burst: 10, liveTrafficRps: 6 });
    for (let i = 0; i < 10; i++) bucket.take();
    clock.now += 1000;
    expect(bucket.peek().remaining).toBe(4);
    bucket.configure({ liveTrafficRps: 20 });
    clock.now += 1000;
    expect(bucket.peek().remaining).toBe(0);
  });

  it("takes live traffic in one go with consume, stopping at zero", () => {
    const { bucket } = bucketAt({ rps: 1, burst: 5 });
    expect(bucket.consume(3)).toMatchObject({ remaining: 2 });
    expect(bucket.consume(9)).toMatchObject({ remaining: 0 });
  });

  it("drops tokens above a smaller burst and refills to a larger one", () => {
    const { bucket, clock } = bucketAt({ rps: 1, burst: 5 });
    bucket.configure({ burst: 2 });
    expect(bucket.peek()).toMatchObject({ limit: 2, remaining: 2 });
    bucket.configure({ burst: 4, rps: 2 });
    clock.now += 1000;
    expect(bucket.peek()).toMatchObject({ limit: 4, remaining: 4 });
  });

  it("ignores a clock that goes backwards", () => {
    const { bucket, clock } = bucketAt({ rps: 1, burst: 2 });
    bucket.take();
    clock.now -= 10_000;
    expect(bucket.peek().remaining).toBe(1);
  });
});
