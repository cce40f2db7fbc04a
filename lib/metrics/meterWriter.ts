import type { PutOutcome } from "../auth0/PutOutcome.js";
import type { AuthenticationMethod } from "../factors/types.js";
import { delegate } from "./delegate.js";
import { countMetricName, METRIC } from "./names.js";
import type { Metrics } from "./types.js";

/** What {@link meterWriter} wraps: the Management API call of apply. */
export interface MeteredWriter {
  putAuthenticationMethods(userId: string, methods: AuthenticationMethod[]): Promise<PutOutcome>;
}

/** Outcomes whose metric is not `Puts` + the kind in PascalCase. */
const OUTCOME_METRIC: Partial<Record<string, string>> = {
  applied: METRIC.putsApplied,
  permanent: METRIC.putsFailed,
  throttled: METRIC.putsThrottled,
  transient: METRIC.putsTransient,
};

/** The counter of an outcome kind; a kind added later (`configuration` → `PutsConfiguration`) needs no wiring. */
function outcomeMetric(kind: string): string {
  return OUTCOME_METRIC[kind] ?? `Puts${countMetricName(kind)}`;
}

/**
 * Wraps a writer so each PUT records its outcome (`PutsApplied`, `PutsFailed`, `PutsThrottled`,
 * `PutsTransient`, and `Puts<Kind>` for any other kind), its latency and the `x-ratelimit-remaining` it
 * reported. The outcome is returned unchanged, every other member of the writer is the writer's own, and
 * nothing about the user is recorded.
 *
 * @example
 * const client = meterWriter(new ManagementApiClient(options), metrics);
 */
export function meterWriter<W extends MeteredWriter>(
  writer: W,
  metrics: Metrics,
  clock: () => number = Date.now,
): W {
  const putAuthenticationMethods: MeteredWriter["putAuthenticationMethods"] = async (userId, methods) => {
    const startedAt = clock();
    const outcome = await writer.putAuthenticationMethods(userId, methods);
    metrics.observe(METRIC.putLatency, clock() - startedAt, "Milliseconds");
    metrics.add(outcomeMetric(outcome.kind), 1, "Count");
    if (outcome.rateLimit !== undefined)
      metrics.lowest(METRIC.rateLimitRemaining, outcome.rateLimit.remaining, "Count");
    return outcome;
  };
  return delegate(writer, { putAuthenticationMethods } as Partial<W>);
}
