import type { PutOutcome } from "../auth0/PutOutcome.js";
import type { AuthenticationMethod } from "../factors/types.js";
import { METRIC } from "./names.js";
import type { Metrics } from "./types.js";

/** What {@link meterWriter} wraps: the Management API call of apply. */
export interface MeteredWriter {
  putAuthenticationMethods(userId: string, methods: AuthenticationMethod[]): Promise<PutOutcome>;
}

const OUTCOME_METRIC: Record<PutOutcome["kind"], string> = {
  applied: METRIC.putsApplied,
  permanent: METRIC.putsFailed,
  throttled: METRIC.putsThrottled,
  transient: METRIC.putsTransient,
};

/**
 * Wraps a writer so each PUT records its outcome (`PutsApplied`, `PutsFailed`, `PutsThrottled`,
 * `PutsTransient`), its latency and the `x-ratelimit-remaining` it reported. The outcome is returned
 * unchanged; nothing about the user is recorded.
 *
 * @example
 * const client = meterWriter(new ManagementApiClient(options), metrics);
 */
export function meterWriter(
  writer: MeteredWriter,
  metrics: Metrics,
  clock: () => number = Date.now,
): MeteredWriter {
  return {
    async putAuthenticationMethods(userId, methods) {
      const startedAt = clock();
      const outcome = await writer.putAuthenticationMethods(userId, methods);
      metrics.observe(METRIC.putLatency, clock() - startedAt, "Milliseconds");
      metrics.add(OUTCOME_METRIC[outcome.kind], 1, "Count");
      if (outcome.rateLimit !== undefined)
        metrics.lowest(METRIC.rateLimitRemaining, outcome.rateLimit.remaining, "Count");
      return outcome;
    },
  };
}
