import type { SQSRecord } from "aws-lambda";
import type { ApplyJobs } from "../jobs/ApplyJobs.js";
import type { Logger } from "../logging/Logger.js";
import type { Decision } from "./Decision.js";
import { emptyApplyCounts } from "./emptyApplyCounts.js";
import { jobIdOf, jobOutcomeOf, recordLogger } from "./jobDecisions.js";
import type { ApplyBatchResult, ApplyOutcomeEvent, ApplyQueue, RedeliveryEntry } from "./types.js";

/** What {@link settleBatch} performs the decisions with. */
export interface SettleDeps {
  queue: ApplyQueue;
  logger: Logger;
  /** Final outcomes (`applied`, `failed`, `retry` of a redelivered record); must not throw. */
  emit: (event: ApplyOutcomeEvent) => void;
  /** Where the batch's outcomes are recorded, once per batch, before the records may be deleted. */
  jobs?: ApplyJobs;
  /** Epoch milliseconds (the outcomes' time). @default Date.now */
  clock?: () => number;
}

/** One record and what was decided for it. */
export interface DecidedRecord {
  record: SQSRecord;
  decision: Decision;
}

/**
 * Performs a batch's decisions: the one place where apply's SQS calls for a record are made, and where the one
 * fall-back rule holds: a record whose call fails (DLQ or work-queue send) is kept as a batch item failure,
 * never deleted unrecorded. `applied`, `superseded`, `deadLetter`d and `requeue`d records are left out of the batch item
 * failures (the event source deletes them); `redeliver`ed ones are returned with their visibility delay (best
 * effort), `keep`s returned as they are.
 *
 * The batch's outcomes (applied, failed, cancelled) are then recorded in their jobs, once per batch and job,
 * before the response lets the event source delete the records: if that fails, those records are kept too
 * (they come back, and count once).
 *
 * @example
 * const result = await settleBatch([{ record, decision: { kind: "applied", userId, status: 200 } }], deps);
 * // { batchItemFailures: [], counts: { applied: 1, ... } }
 */
export async function settleBatch(decided: DecidedRecord[], deps: SettleDeps): Promise<ApplyBatchResult> {
  const { queue, logger, emit } = deps;
  const counts = emptyApplyCounts();
  // The visibility changes of the redelivered records run beside the sends: one round of SQS calls, which
  // the time margin counts (lib/config/clientTimeouts.ts).
  const redeliveries: RedeliveryEntry[] = [];
  decided.forEach(({ record, decision }) => {
    if (decision.kind === "redeliver") redeliveries.push({ record, delaySeconds: decision.delaySeconds });
  });
  const visibility =
    redeliveries.length === 0
      ? Promise.resolve()
      : queue.delayRedelivery(redeliveries).catch((error: unknown) => {
          // Best effort: the records are batch item failures either way, only redelivered later.
          logger.warn({ records: redeliveries.length, error: errorName(error) }, "visibility not changed");
        });
  const settledAll = Promise.all(
    decided.map(async ({ record, decision }): Promise<Decision> => {
      const log = recordLogger(logger, record);
      if (decision.kind === "deadLetter") {
        const { reason } = decision;
        try {
          await queue.deadLetter(record, reason);
        } catch (error) {
          log.error(
            { messageId: record.messageId, userId: reason.userId, error: errorName(error) },
            "could not send to the dead-letter queue; the record is kept for redelivery",
          );
          return { kind: "keep", why: "dead-letter send failed" };
        }
        log.warn(
          {
            messageId: record.messageId,
            userId: reason.userId,
            status: reason.status,
            errorCode: reason.errorCode,
          },
          "user failed; sent to the dead-letter queue",
        );
        emit({ userId: reason.userId ?? "", kind: "failed", status: reason.status });
      } else if (decision.kind === "requeue") {
        try {
          await queue.requeue(record, decision.delaySeconds, decision.history);
        } catch (error) {
          log.warn(
            {
              messageId: record.messageId,
              userId: decision.userId,
              cause: decision.cause,
              error: errorName(error),
            },
            "could not send the held record back to the work queue; it is kept for redelivery",
          );
          return { kind: "keep", why: "requeue send failed" };
        }
        log.info(
          {
            messageId: record.messageId,
            userId: decision.userId,
            cause: decision.cause,
            delaySeconds: decision.delaySeconds,
            attempts: decision.history.attempts,
          },
          "record held: sent back to the work queue",
        );
      } else if (decision.kind === "applied") {
        emit({ userId: decision.userId, kind: "applied", status: decision.status });
      } else if (decision.kind === "superseded") {
        logger.info(
          { messageId: record.messageId, userId: decision.userId },
          "superseded by a newer file's methods; not sent",
        );
        emit({ userId: decision.userId, kind: "superseded" });
      } else if (decision.kind === "redeliver" && decision.cause === "retry") {
        emit({ userId: decision.userId ?? "", kind: "retry", status: decision.status });
      }
      return decision;
    }),
  );
  let [settled] = await Promise.all([settledAll, visibility]);

  if (deps.jobs !== undefined) settled = await recordOutcomes(decided, settled, deps.jobs, deps);

  const batchItemFailures: { itemIdentifier: string }[] = [];
  settled.forEach((decision, index) => {
    const record = (decided[index] as DecidedRecord).record;
    switch (decision.kind) {
      case "applied":
        counts.applied++;
        break;
      case "deadLetter":
        counts.deadLettered++;
        break;
      case "requeue":
        if (decision.cause === "circuit") counts.heldByCircuit++;
        else if (decision.cause === "configuration") counts.heldByConfiguration++;
        else counts.requeued++;
        break;
      case "superseded":
        counts.superseded++;
        break;
      case "redeliver":
        counts[decision.cause === "retry" ? "retried" : "deferred"]++;
        batchItemFailures.push({ itemIdentifier: record.messageId });
        break;
      case "keep":
        batchItemFailures.push({ itemIdentifier: record.messageId });
        break;
      case "cancelled":
        counts.cancelled++;
        break;
      case "counted":
        counts.alreadyCounted++;
        break;
    }
  });
  return { batchItemFailures, counts };
}

/**
 * Records the settled decisions' outcomes in their jobs; when that fails, every record with an outcome is kept
 * instead (a dead letter already sent stays in the DLQ: the record's next delivery may send it once more).
 */
async function recordOutcomes(
  decided: DecidedRecord[],
  settled: Decision[],
  jobs: ApplyJobs,
  deps: SettleDeps,
): Promise<Decision[]> {
  const at = new Date((deps.clock ?? Date.now)()).toISOString();
  const outcomes = settled.map((decision, index) =>
    jobOutcomeOf((decided[index] as DecidedRecord).record, decision, at),
  );
  const toRecord = outcomes.filter((outcome) => outcome !== undefined);
  // A user delivered again after being counted: its job may have been left unfinished by a container that
  // stopped between counting and finishing; these records are its chance to finish.
  const countedJobs = settled.flatMap((decision, index) => {
    const jobId = decision.kind === "counted" ? jobIdOf((decided[index] as DecidedRecord).record) : undefined;
    return jobId === undefined ? [] : [jobId];
  });
  if (countedJobs.length > 0) await jobs.finishCounted(countedJobs);
  if (toRecord.length === 0) return settled;
  try {
    await jobs.record(toRecord);
    return settled;
  } catch (error) {
    deps.logger.error(
      { records: toRecord.length, error: errorName(error) },
      "could not record the batch's outcomes in its job; the records are kept for redelivery",
    );
    return settled.map((decision, index) =>
      outcomes[index] === undefined ? decision : { kind: "keep", why: "outcome not recorded" },
    );
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "unknown";
}
