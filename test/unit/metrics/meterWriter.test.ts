import { describe, expect, it } from "vitest";
import type { PutOutcome } from "../../../lib/auth0/PutOutcome.js";
import { type MeteredWriter, meterWriter } from "../../../lib/metrics/meterWriter.js";
import { ManualClock } from "../../helpers/manualClock.js";
import { capturedMetrics } from "../../helpers/metrics.js";

const rateLimit = (remaining: number) => ({ limit: 50, remaining, resetAtMs: 0 });

describe("meterWriter", () => {
  it("records each PUT's outcome, latency and the lowest x-ratelimit-remaining, and returns the outcome unchanged", async () => {
    const time = new ManualClock();
    const outcomes: PutOutcome[] = [
      { kind: "applied", status: 200, rateLimit: rateLimit(40) },
      { kind: "throttled", status: 429, message: "Too Many Requests", rateLimit: rateLimit(0) },
      { kind: "transient", status: 503, message: "Service Unavailable" },
      { kind: "permanent", status: 404, message: "The user does not exist.", rateLimit: rateLimit(12) },
      { kind: "applied", status: 200, rateLimit: rateLimit(9) },
    ];
    const latencies = [80, 15, 3000, 60, 95];
    let call = 0;
    const { metrics, values } = capturedMetrics({ clock: time.clock });
    const fake: MeteredWriter = {
      async putAuthenticationMethods() {
        time.advance(latencies[call] ?? 0);
        return outcomes[call++] as PutOutcome;
      },
    };
    const writer = meterWriter(fake, metrics, time.clock);

    const returned: PutOutcome[] = [];
    for (const _ of outcomes) returned.push(await writer.putAuthenticationMethods("auth0|a", []));

    expect(returned).toEqual(outcomes);
    expect(values()).toEqual({
      PutsApplied: 2,
      PutsThrottled: 1,
      PutsTransient: 1,
      PutsFailed: 1,
      PutLatency: latencies,
      RateLimitRemaining: 0,
    });
  });
});

describe("meterWriter with an outcome kind it has no name for", () => {
  it("counts it as Puts and the kind in PascalCase", async () => {
    const { metrics, values } = capturedMetrics();
    const outcome = {
      kind: "configuration",
      status: 403,
      message: "Insufficient scope",
    } as unknown as PutOutcome;
    const fake: MeteredWriter = { putAuthenticationMethods: async () => outcome };
    const writer = meterWriter(fake, metrics, () => 0);
    expect(await writer.putAuthenticationMethods("auth0|a", [])).toBe(outcome);
    expect(values()).toEqual({ PutsConfiguration: 1, PutLatency: 0 });
  });
});

describe("meterWriter around a class", () => {
  it("keeps the writer's other members and private state working", async () => {
    class Writer implements MeteredWriter {
      #calls = 0;
      public get calls(): number {
        return this.#calls;
      }
      public describe(): string {
        return `${this.#calls} calls`;
      }
      public async putAuthenticationMethods(_userId: string, _methods: unknown[]): Promise<PutOutcome> {
        this.#calls++;
        return { kind: "applied", status: 200 };
      }
    }
    const { metrics } = capturedMetrics();
    const writer = meterWriter(new Writer(), metrics, () => 0);
    await writer.putAuthenticationMethods("auth0|a", []);
    await writer.putAuthenticationMethods("auth0|b", []);
    expect(writer.calls).toBe(2);
    expect(writer.describe()).toBe("2 calls");
  });
});
