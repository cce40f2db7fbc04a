import { describe, expect, it } from "vitest";
import type { RequestPacer } from "../../../lib/apply/types.js";
import { meterPacer } from "../../../lib/metrics/meterPacer.js";
import { ManualClock } from "../../helpers/manualClock.js";
import { capturedMetrics } from "../../helpers/metrics.js";

const rateLimit = (remaining: number) => ({ limit: 50, remaining, resetAtMs: 0 });

describe("meterPacer", () => {
  it("records how long each acquire waited, granted or not, and passes every other call through", async () => {
    const time = new ManualClock();
    const calls: string[] = [];
    const { metrics, values } = capturedMetrics({ clock: time.clock });
    const waits = [0, 250, 1200];
    let call = 0;
    const fake: RequestPacer = {
      async acquire(deadlineMs) {
        calls.push(`acquire ${deadlineMs}`);
        time.advance(waits[call] ?? 0);
        return call++ < 2;
      },
      observe: (limit, sentAtMs) => calls.push(`observe ${limit?.remaining} ${sentAtMs}`),
      throttled: (resetAtMs) => calls.push(`throttled ${resetAtMs}`),
      pausedUntilMs: 42,
    };
    const pacer = meterPacer(fake, metrics, time.clock);

    expect([await pacer.acquire(), await pacer.acquire(5000), await pacer.acquire(6000)]).toEqual([
      true,
      true,
      false,
    ]);
    pacer.observe(rateLimit(3), 7);
    pacer.throttled(99);
    expect(pacer.pausedUntilMs).toBe(42);
    expect(calls).toEqual([
      "acquire undefined",
      "acquire 5000",
      "acquire 6000",
      "observe 3 7",
      "throttled 99",
    ]);
    expect(values()).toEqual({ PacerWait: waits });
  });
});
