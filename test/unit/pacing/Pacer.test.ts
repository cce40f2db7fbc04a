import { describe, expect, it } from "vitest";
import { PacerOptionsError } from "../../../lib/pacing/errors.js";
import { Pacer } from "../../../lib/pacing/Pacer.js";
import { ManualClock } from "../../helpers/manualClock.js";

function pacerWith(options: ConstructorParameters<typeof Pacer>[0] = {}) {
  const clock = new ManualClock(1_764_439_200_000);
  const pacer = new Pacer({
    jitterMs: 0,
    ...options,
    clock: clock.clock,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  return { pacer, clock };
}

/** The times, relative to the start, at which `count` sequential acquires are granted. */
async function grantTimes(pacer: Pacer, clock: ManualClock, count: number): Promise<number[]> {
  const start = clock.nowMs;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await clock.run(pacer.acquire());
    times.push(clock.nowMs - start);
  }
  return times;
}

describe("Pacer spacing", () => {
  it("splits the fleet's ceiling across the workers", () => {
    expect(new Pacer({ rpsCeiling: 50, maxConcurrency: 4 }).intervalMs).toBe(80);
    expect(new Pacer({ rpsCeiling: 10, maxConcurrency: 2 }).intervalMs).toBe(200);
  });

  it("spaces requests evenly instead of bursting", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 50, maxConcurrency: 4, catchUpIntervals: 0 });
    expect(await grantTimes(pacer, clock, 5)).toEqual([0, 80, 160, 240, 320]);
  });

  it("hands out slots in order to concurrent callers", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 0 });
    const start = clock.nowMs;
    await clock.run(Promise.all(Array.from({ length: 4 }, () => pacer.acquire())));
    expect(clock.sleeps).toEqual([100, 200, 300]);
    expect(clock.nowMs - start).toBe(300);
    expect(pacer.stats.acquired).toBe(4);
  });

  it("makes up at most the configured idle time after a lull", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 1 });
    await clock.run(pacer.acquire());
    clock.advance(5_000);
    expect(await grantTimes(pacer, clock, 4)).toEqual([0, 0, 100, 200]);
  });

  it.each([0, -1])("refuses a ceiling of %i", (rpsCeiling) => {
    expect(() => new Pacer({ rpsCeiling })).toThrow(PacerOptionsError);
  });

  it.each([0, 1.2])("refuses a budget share of %f", (budgetShare) => {
    expect(() => new Pacer({ budgetShare })).toThrow(PacerOptionsError);
  });
});

describe("Pacer header rule", () => {
  it("does not wait while the bucket is above the reserve", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1, budgetShare: 0.8 });
    await clock.run(pacer.acquire());
    pacer.observe({ limit: 50, remaining: 11, resetAtMs: clock.nowMs + 900 });
    clock.advance(1);
    await clock.run(pacer.acquire());
    expect(clock.sleeps).toEqual([]);
    expect(pacer.stats.headerPauses).toBe(0);
  });

  it("waits until the reset plus jitter when the budget share is used up", async () => {
    const { pacer, clock } = pacerWith({
      rpsCeiling: 1000,
      maxConcurrency: 1,
      budgetShare: 0.8,
      jitterMs: 200,
    });
    const start = clock.nowMs;
    pacer.observe({ limit: 50, remaining: 10, resetAtMs: start + 900 });
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(900 + 0.5 * 200);
    expect(pacer.stats.headerPauses).toBe(1);
  });

  it("waits for the empty bucket even when the whole limit is the budget", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1, budgetShare: 1 });
    const start = clock.nowMs;
    pacer.observe({ limit: 50, remaining: 0, resetAtMs: start + 700 });
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(700);
  });

  it("caps a far-off reset at the longest wait", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1, maxWaitMs: 5_000 });
    const start = clock.nowMs;
    pacer.observe({ limit: 50, remaining: 0, resetAtMs: start + 3_600_000 });
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(5_000);
  });

  it("ignores a low reading from a request sent before the last pause ended", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1 });
    const sentAt = clock.nowMs;
    pacer.observe({ limit: 50, remaining: 2, resetAtMs: sentAt + 500 }, sentAt);
    await clock.run(pacer.acquire());
    const resumedAt = clock.nowMs;
    pacer.observe({ limit: 50, remaining: 1, resetAtMs: sentAt + 1_000 }, sentAt);
    await clock.run(pacer.acquire());
    expect(clock.nowMs).toBe(resumedAt + 1);
    expect(pacer.stats.headerPauses).toBe(1);
  });

  it("moves callers already waiting for a slot behind a pause that began meanwhile", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 0 });
    const start = clock.nowMs;
    await clock.run(pacer.acquire());
    const waiting = pacer.acquire();
    // While the waiter sleeps toward its slot at 100 ms, a 429 says the bucket refills at 1000 ms.
    pacer.throttled(start + 1_000);
    await clock.run(waiting);
    expect(clock.nowMs - start).toBe(1_000);
    expect(await grantTimes(pacer, clock, 2)).toEqual([100, 200]);
  });
});

describe("Pacer after a 429", () => {
  it("waits until the reset plus jitter", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1, jitterMs: 100 });
    const start = clock.nowMs;
    pacer.throttled(start + 1_200);
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(1_250);
    expect(pacer.stats.throttledPauses).toBe(1);
  });

  it("waits the fallback when the 429 carried no reset", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1, fallbackWaitMs: 1_000 });
    const start = clock.nowMs;
    pacer.throttled(undefined);
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(1_000);
  });

  it("does not shorten a longer pause already under way", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 1000, maxConcurrency: 1 });
    const start = clock.nowMs;
    pacer.throttled(start + 2_000);
    pacer.throttled(start + 1_000);
    await clock.run(pacer.acquire());
    expect(clock.nowMs - start).toBe(2_000);
    expect(pacer.stats.throttledPauses).toBe(1);
  });
});

describe("Pacer with a deadline", () => {
  it("refuses at once, without sleeping or taking the slot, when a pause ends after the deadline", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 0 });
    const start = clock.nowMs;
    pacer.throttled(start + 60_000);
    expect(await clock.run(pacer.acquire(start + 55_000))).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(clock.nowMs).toBe(start);
    expect(pacer.stats.acquired).toBe(0);
    // The refused slot was not taken: the next caller gets the first slot after the pause.
    expect(await clock.run(pacer.acquire())).toBe(true);
    expect(clock.nowMs - start).toBe(60_000);
  });

  it("refuses a waiting caller whose new slot, after a pause that began meanwhile, falls past its deadline", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 0 });
    const start = clock.nowMs;
    await clock.run(pacer.acquire());
    const waiting = pacer.acquire(start + 5_000);
    pacer.throttled(start + 30_000);
    expect(await clock.run(waiting)).toBe(false);
    expect(clock.nowMs - start).toBe(100);
  });

  it("grants a slot that falls on or before the deadline", async () => {
    const { pacer, clock } = pacerWith({ rpsCeiling: 10, maxConcurrency: 1, catchUpIntervals: 0 });
    const start = clock.nowMs;
    pacer.throttled(start + 1_000);
    expect(await clock.run(pacer.acquire(start + 1_000))).toBe(true);
    expect(clock.nowMs - start).toBe(1_000);
  });
});
