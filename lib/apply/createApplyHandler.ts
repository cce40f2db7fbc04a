import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { applyBatch } from "./applyBatch.js";
import type { ApplyDeps } from "./types.js";

/** The apply Lambda's handler: an SQS batch in, a partial batch response out. */
export type ApplyHandler = (
  event: SQSEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<SQSBatchResponse>;

/**
 * Builds the handler around clients made once (per container): the token cache and the pacer live as long
 * as the container, so a warm container neither fetches a token nor forgets its pacing.
 *
 * @example
 * const handle = createApplyHandler(createApplyDeps(settings, { sqs, logger }));
 * const response = await handle(event, context);
 */
export function createApplyHandler(deps: Omit<ApplyDeps, "remainingTimeMs">): ApplyHandler {
  return async (event, context) => {
    const result = await applyBatch(event.Records, {
      ...deps,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    return { batchItemFailures: result.batchItemFailures };
  };
}
