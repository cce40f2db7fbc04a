import type { UserOutcome } from "../jobs/types.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import type { RecordHistory } from "../messages/RecordHistory.js";

/**
 * Why a record is sent back to the work queue without a final answer: a 429 pause that outlasts the
 * invocation, Auth0 unavailable (the circuit is open), a configuration error (the job is paused), or another
 * record's PUT of the same user in flight (`busy`: the sync state's lease, issue 11).
 */
export type HoldCause = "throttled" | "circuit" | "configuration" | "busy";

/**
 * What is to happen to one SQS record of a batch, decided by {@link decideRecord} and performed by
 * {@link settleBatch} (the only place that makes apply's SQS calls for a record):
 *
 * - `applied`: the PUT returned 2xx; the event source deletes the record.
 * - `deadLetter`: sent to the DLQ with its reason, then deleted.
 * - `requeue`: its body sent again to the work queue with its {@link RecordHistory}, visible after
 *   `delaySeconds` (≤ 900), then deleted: the receive count starts over, the history goes on (a record held
 *   by a 429 pause, an open circuit or a configuration error; see {@link HoldCause}).
 * - `redeliver`: a batch item failure, visible again after `delaySeconds` (`retry`: transient failures;
 *   `deferred`: not tried, or cut short by the time budget).
 * - `keep`: a batch item failure, nothing changed (it returns after the visibility timeout).
 * - `superseded`: a newer file's methods for the user were applied or are being applied (the sync state's
 *   claim, issue 11); deleted without a PUT, outcome recorded.
 *
 * - `cancelled`: the record's job was cancelled: deleted without a PUT, counted `cancelled` in the job.
 * - `counted`: the user is already counted in its job as applied, superseded or cancelled (a record delivered
 *   again, e.g. after a crash between the PUT and the batch response): deleted without a second PUT.
 */
export type Decision =
  | { kind: "applied"; userId: string; status: number }
  | { kind: "deadLetter"; reason: DeadLetterReason }
  | { kind: "requeue"; userId: string; delaySeconds: number; history: RecordHistory; cause: HoldCause }
  | {
      kind: "redeliver";
      cause: "retry" | "deferred";
      delaySeconds: number;
      userId?: string;
      status?: number | string;
    }
  | { kind: "keep"; why: string }
  | { kind: "superseded"; userId: string; line: number }
  | { kind: "cancelled"; userId: string }
  | { kind: "counted"; userId: string; outcome: UserOutcome };
