import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { applyBatch } from "../../../lib/apply/applyBatch.js";
import type { RedeliveryEntry } from "../../../lib/apply/types.js";
import { toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";
import { CredentialsCache } from "../../../lib/auth0/CredentialsCache.js";
import { ManagementApiClient } from "../../../lib/auth0/ManagementApiClient.js";
import { TokenProvider } from "../../../lib/auth0/TokenProvider.js";
import { applyTimeMarginMs, awsCallWorstMs, CLIENT_TIMEOUTS } from "../../../lib/config/clientTimeouts.js";
import type { DeadLetterReason } from "../../../lib/messages/DeadLetter.js";
import type { RecordHistory } from "../../../lib/messages/RecordHistory.js";
import { Pacer } from "../../../lib/pacing/Pacer.js";
import { RecordingApplyQueue, userRecord } from "../../helpers/applyRecords.js";
import { auth0Error, fakeFetch, tokenResponse } from "../../helpers/auth0Fetch.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { ManualClock } from "../../helpers/manualClock.js";

/** A queue whose every SQS call takes the longest one can with the clients' timeouts and retries. */
class SlowQueue extends RecordingApplyQueue {
  public constructor(private readonly clock: ManualClock) {
    super();
  }

  public override async deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<void> {
    await this.clock.sleep(awsCallWorstMs());
    return super.deadLetter(record, reason);
  }

  public override async requeue(
    record: SQSRecord,
    delaySeconds: number,
    history: RecordHistory,
  ): Promise<void> {
    await this.clock.sleep(awsCallWorstMs());
    return super.requeue(record, delaySeconds, history);
  }

  public override async delayRedelivery(entries: RedeliveryEntry[]): Promise<void> {
    await this.clock.sleep(awsCallWorstMs());
    return super.delayRedelivery(entries);
  }
}

describe("apply's time budget", () => {
  it("answers before the function timeout when every call takes all the time its timeout allows", async () => {
    const clock = new ManualClock();
    // The second user starts 23 s in, with 38.5 s left: just above the margin, the worst place to start.
    const functionTimeoutMs = 61_500;
    const endMs = clock.nowMs + functionTimeoutMs;
    const justUnder = (ms: number) => clock.sleep(ms - 1);
    // Every Auth0 call answers 1 ms before its timeout; a token lives 5 s (refreshed after 4.5 s, so each user
    // starts with a token request); every other PUT is a 401. Each user: token, PUT 401, token, PUT 200, and
    // the credentials are read before the first token (they are 20 s old by then): 23 s, the worst sequence.
    let puts = 0;
    const fake = fakeFetch(async (request) => {
      await justUnder(CLIENT_TIMEOUTS.auth0RequestMs);
      if (request.url.endsWith("/oauth/token")) return tokenResponse(`t${clock.nowMs}`, 5);
      return puts++ % 2 === 0 ? auth0Error(401, "Invalid token", "invalid_token") : new Response("[]");
    });
    const credentials = new CredentialsCache({
      // Each read takes a whole Secrets Manager attempt; read again every 20 s.
      load: async () => {
        await justUnder(awsCallWorstMs(CLIENT_TIMEOUTS.secretsMaxAttempts));
        return { clientId: "c", clientSecret: "s" };
      },
      maxAgeMs: 20_000,
      clock: clock.clock,
    });
    const endpoint = toAuth0Endpoint("tenant.eu.auth0.com");
    const tokens = new TokenProvider({ endpoint, credentials, fetch: fake.fetch, clock: clock.clock });
    const client = new ManagementApiClient({ endpoint, tokens, fetch: fake.fetch });
    const pacer = new Pacer({ rpsCeiling: 1_000, maxConcurrency: 1, clock: clock.clock, sleep: clock.sleep });
    const queue = new SlowQueue(clock);
    const records = Array.from({ length: 10 }, (_, i) => userRecord(i));
    const starts: number[] = [];

    const result = await clock.run(
      applyBatch(records, {
        client: {
          putAuthenticationMethods: (userId, methods) => {
            starts.push(endMs - clock.nowMs);
            return client.putAuthenticationMethods(userId, methods);
          },
        },
        pacer,
        queue,
        logger: capturedLogger().logger,
        options: { applyConcurrency: 1, timeMarginMs: applyTimeMarginMs() },
        clock: clock.clock,
        sleep: clock.sleep,
        remainingTimeMs: () => endMs - clock.nowMs,
      }),
    );

    // Every user started with at least the margin left; the last one's 23 s and the settle call's 6.5 s
    // still leave the slack and a second settle round (the jobs' outcome write) before the timeout.
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(applyTimeMarginMs());
    // (Each of the 2 × 5 calls answered 1 ms early.)
    expect(endMs - clock.nowMs).toBe(functionTimeoutMs - 2 * 23_000 - awsCallWorstMs() + 10);
    expect(endMs - clock.nowMs).toBeGreaterThanOrEqual(awsCallWorstMs() + 2_000);
    // Two users fit; the others go back at once, none lost, none dead-lettered.
    expect(result.counts).toMatchObject({ applied: 2, deferred: 8, deadLettered: 0 });
    expect(result.batchItemFailures).toHaveLength(8);
    expect(queue.redeliveries).toHaveLength(8);
  });
});
