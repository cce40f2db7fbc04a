import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { childLogger } from "../logging/childLogger.js";
import type { MessageSource } from "../messages/UserFactorsMessage.js";
import { meterPacer } from "../metrics/meterPacer.js";
import { meterWriter } from "../metrics/meterWriter.js";
import { recordCounts } from "../metrics/recordCounts.js";
import { silentMetrics } from "../metrics/silentMetrics.js";
import type { InvocationMetrics } from "../metrics/types.js";
import { applyBatch } from "./applyBatch.js";
import { configurationReason } from "./configurationReason.js";
import type { ApplyDeps } from "./types.js";

/** What the apply handler reads of Lambda's context: the time left, and the request id when there is one. */
export type ApplyContext = Pick<Context, "getRemainingTimeInMillis"> & Partial<Pick<Context, "awsRequestId">>;

/** The apply Lambda's handler: an SQS batch in, a partial batch response out. */
export type ApplyHandler = (event: SQSEvent, context: ApplyContext) => Promise<SQSBatchResponse>;

/** What {@link createApplyHandler} is built from: apply's clients, and where its metrics go. */
export interface ApplyHandlerDeps extends Omit<ApplyDeps, "remainingTimeMs"> {
  /** Metrics of every PUT, pacer wait and batch count, flushed at the end of each invocation. @default silentMetrics */
  metrics?: InvocationMetrics;
}

/**
 * Builds the handler around clients made once (per container): the token cache and the pacer live as long
 * as the container, so a warm container neither fetches a token nor forgets its pacing. Each invocation logs
 * through a child logger that carries its request id, and ends with one metrics flush (PUT outcomes and
 * latency, pacer waits, the lowest `x-ratelimit-remaining`, and every field of the batch's counts), even when
 * it fails. With `jobs`, a configuration error pauses the held records' jobs with its reason, and the circuit
 * closing resumes them (as does any of their users' outcome Auth0 answered, in whichever container).
 *
 * @example
 * const handle = createApplyHandler({ ...createApplyDeps(settings, { sqs, logger }), metrics });
 * const response = await handle(event, context);
 */
export function createApplyHandler(deps: ApplyHandlerDeps): ApplyHandler {
  const { metrics = silentMetrics, ...given } = deps;
  const applyDeps = { ...given, ...jobPorts(given) };
  // Metered once, for the container's life: the meters only record, the per-invocation flush writes.
  const client = meterWriter(applyDeps.client, metrics, applyDeps.clock);
  const pacer = meterPacer(applyDeps.pacer, metrics, applyDeps.clock);
  return async (event, context) => {
    const requestId = context.awsRequestId;
    const logger = requestId === undefined ? applyDeps.logger : childLogger(applyDeps.logger, { requestId });
    try {
      const result = await applyBatch(event.Records, {
        ...applyDeps,
        client,
        pacer,
        logger,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      });
      recordCounts(metrics, result.counts);
      return { batchItemFailures: result.batchItemFailures };
    } finally {
      metrics.flush(requestId === undefined ? {} : { requestId });
    }
  };
}

/** The configuration ports wired to the jobs (`paused` with the reason, and back), unless given. */
function jobPorts(
  deps: Omit<ApplyDeps, "remainingTimeMs">,
): Pick<ApplyDeps, "onConfigurationError" | "onConfigurationRecovered"> {
  const { jobs } = deps;
  if (jobs === undefined) return {};
  const jobIdsOf = (sources: MessageSource[]) => sources.flatMap((source) => source.jobId ?? []);
  return {
    onConfigurationError:
      deps.onConfigurationError ??
      ((event) => jobs.pause(jobIdsOf(event.sources), configurationReason(event))),
    onConfigurationRecovered:
      deps.onConfigurationRecovered ?? ((event) => jobs.resume(jobIdsOf(event.sources))),
  };
}
