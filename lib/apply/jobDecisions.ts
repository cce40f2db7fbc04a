import type { SQSRecord } from "aws-lambda";
import type { BatchLookup, BatchUser, JobOutcome } from "../jobs/ApplyJobs.js";
import { withoutFactorValues } from "../jobs/withoutFactorValues.js";
import { childLogger } from "../logging/childLogger.js";
import type { Logger } from "../logging/Logger.js";
import {
  MalformedMessageError,
  parseUserFactorsMessage,
  type UserFactorsMessage,
} from "../messages/UserFactorsMessage.js";
import type { Decision } from "./Decision.js";

/** A record's message and its job, when the body is a message that names one. */
interface JobMessage {
  jobId: string;
  message: UserFactorsMessage;
}

/** Each record's message, read once for all the questions a batch asks of it. */
const readMessages = new WeakMap<SQSRecord, JobMessage | undefined>();

function jobMessageOf(record: SQSRecord): JobMessage | undefined {
  if (readMessages.has(record)) return readMessages.get(record);
  const found = readJobMessage(record);
  readMessages.set(record, found);
  return found;
}

function readJobMessage(record: SQSRecord): JobMessage | undefined {
  let message: UserFactorsMessage;
  try {
    message = parseUserFactorsMessage(record.body);
  } catch (error) {
    if (error instanceof MalformedMessageError) return undefined;
    throw error;
  }
  const jobId = message.source.jobId;
  return jobId === undefined ? undefined : { jobId, message };
}

/**
 * The logger of one record's lines: each carries the record's job id (when its message names one).
 *
 * @example
 * recordLogger(logger, record).warn({ userId }, "user failed"); // {"jobId":"...","userId":"...",...}
 */
export function recordLogger(logger: Logger, record: SQSRecord): Logger {
  const jobId = jobIdOf(record);
  return jobId === undefined ? logger : childLogger(logger, { jobId });
}

/**
 * The job a record's message names, if any (older messages and malformed bodies name none).
 *
 * @example
 * const jobId = jobIdOf(record); // "job-..." or undefined
 */
export function jobIdOf(record: SQSRecord): string | undefined {
  return jobMessageOf(record)?.jobId;
}

/**
 * The job and user of every record that names a job (older messages and malformed bodies name none).
 *
 * @example
 * const lookup = await jobs.lookUp(batchUsersOf(event.Records));
 */
export function batchUsersOf(records: SQSRecord[]): BatchUser[] {
  return records.flatMap((record) => {
    const found = jobMessageOf(record);
    return found === undefined ? [] : [{ jobId: found.jobId, userId: found.message.userId }];
  });
}

/**
 * What the record's job decides before anything is applied: a user already counted as applied, superseded or
 * cancelled (a redelivered record) is not sent again (`counted`); a cancelled job's record is dropped without
 * calling Auth0 (`cancelled`). Undefined: apply the record. A failed user is applied again (a redrive).
 *
 * @example
 * const decision = decideFromJob(record, lookup) ?? (await decideRecord(record, context));
 */
export function decideFromJob(record: SQSRecord, lookup: BatchLookup): Decision | undefined {
  const found = jobMessageOf(record);
  if (found === undefined) return undefined;
  const userId = found.message.userId;
  const counted = lookup.outcomeOf({ jobId: found.jobId, userId });
  if (counted !== undefined && counted !== "failed") return { kind: "counted", userId, outcome: counted };
  if (lookup.statusOf(found.jobId) === "cancelled") return { kind: "cancelled", userId };
  return undefined;
}

/**
 * The outcome a settled decision records in the record's job: `applied`, `failed` (a dead letter, its reason
 * without the user's factor values), `cancelled` or `superseded`. Undefined for a record that is not done (requeued,
 * redelivered, kept), already counted, or names no job.
 *
 * @example
 * const outcome = jobOutcomeOf(record, decision, new Date().toISOString());
 */
export function jobOutcomeOf(record: SQSRecord, decision: Decision, at: string): JobOutcome | undefined {
  if (
    decision.kind !== "applied" &&
    decision.kind !== "deadLetter" &&
    decision.kind !== "cancelled" &&
    decision.kind !== "superseded"
  ) {
    return undefined;
  }
  const found = jobMessageOf(record);
  if (found === undefined) return undefined;
  const { jobId, message } = found;
  const base = { userId: message.userId, line: message.line, at };
  if (decision.kind !== "deadLetter") return { jobId, outcome: { ...base, outcome: decision.kind } };
  const { reason } = decision;
  return {
    jobId,
    outcome: {
      ...base,
      outcome: "failed",
      reason: {
        status: reason.status,
        ...(reason.errorCode ? { errorCode: reason.errorCode } : {}),
        message: withoutFactorValues(reason.message, message.methods),
        attempts: reason.attempts,
        failedAt: reason.failedAt,
      },
    },
  };
}
