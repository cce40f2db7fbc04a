import type { SQSRecord } from "aws-lambda";
import type { PutOutcome } from "../auth0/PutOutcome.js";
import type { AuthenticationMethod } from "../factors/types.js";
import type { ApplyJobs } from "../jobs/ApplyJobs.js";
import type { Logger } from "../logging/Logger.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import type { RecordHistory } from "../messages/RecordHistory.js";
import type { MessageSource } from "../messages/UserFactorsMessage.js";
import type { BackoffOptions } from "../pacing/backoff.js";
import type { Sleep } from "../pacing/sleep.js";
import type { ApplySync } from "../sync/ApplySync.js";
import type { CircuitBreaker } from "./CircuitBreaker.js";

/** The Management API call apply needs ({@link ManagementApiClient} implements it). */
export interface AuthenticationMethodsWriter {
  putAuthenticationMethods(userId: string, methods: AuthenticationMethod[]): Promise<PutOutcome>;
}

/** The pacer calls apply makes ({@link Pacer} implements them). */
export interface RequestPacer {
  /** `false` when the next slot falls after `deadlineMs` (then nothing is sent). */
  acquire(deadlineMs?: number): Promise<boolean>;
  observe(rateLimit: PutOutcome["rateLimit"], sentAtMs?: number): void;
  throttled(resetAtMs?: number): void;
  /** When the current (or last) 429/header pause ends, epoch milliseconds. */
  readonly pausedUntilMs: number;
}

/** One record to be made visible again after a delay, instead of after the whole visibility timeout. */
export interface RedeliveryEntry {
  record: SQSRecord;
  delaySeconds: number;
}

/** Where apply sends what it gives up on, and how it shortens a retry's wait ({@link SqsApplyQueue}). */
export interface ApplyQueue {
  /** Sends the record's original body to the dead-letter queue with the reason as message attributes. */
  deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<void>;
  /**
   * Sends the record's body unchanged to the work queue as a new message, visible after `delaySeconds`
   * (≤ 900), with `history` as message attributes: its receive count starts over, so a hold (429 pause, open
   * circuit, configuration error) does not use up delivery attempts, and its real attempts go on counting.
   * @throws when it cannot: the caller keeps the record then.
   */
  requeue(record: SQSRecord, delaySeconds: number, history: RecordHistory): Promise<void>;
  /** Shortens the visibility timeout of records returned as batch item failures. Best effort. */
  delayRedelivery(entries: RedeliveryEntry[]): Promise<void>;
}

/** What happened to one user, for a progress display. */
export interface ApplyOutcomeEvent {
  userId: string;
  /** `applied`, `failed` and `superseded` are final; `retry` and `throttled` are steps on the way. */
  kind: "applied" | "failed" | "superseded" | "retry" | "throttled";
  status?: number | string;
}

/** Options of {@link applyBatch}. */
export interface ApplyOptions {
  /** PUTs in flight within one batch (p-limit), all still paced. @default 10 */
  applyConcurrency?: number;
  /** The work queue's maxReceiveCount: on this receive, transient failures are dead-lettered. @default 5 */
  maxReceiveCount?: number;
  /** Tries of a transient failure within one receive (429s not counted). @default 3 */
  attemptsPerReceive?: number;
  /** Backoff between those tries. @default { baseMs: 250, maxMs: 5_000 } */
  backoff?: BackoffOptions;
  /** Visibility delay after the first receive's failure, doubled per receive. @default 10 */
  redeliveryBaseSeconds?: number;
  /** Cap of that delay (below the queue's 360 s visibility timeout). @default 300 */
  redeliveryMaxSeconds?: number;
  /**
   * No request starts, and no pacer wait ends, with less time than this left: the worst case of one call
   * (credentials read, token request, PUT, token request and PUT again after a 401, each up to its timeout)
   * plus the settle calls (`applyTimeMarginMs()` in lib/config/clientTimeouts.ts). @default 38_000
   */
  timeMarginMs?: number;
}

/** A configuration error held records of these source files (the jobs work pauses their jobs). */
export interface ConfigurationErrorEvent {
  /** What the operator must fix, e.g. `token-refused`. */
  problem: string;
  /** The status (`401`, `403`, `credentials`). */
  status: string;
  /** Auth0's message or ours; never a secret. */
  message: string;
  /** The files whose records were held. */
  sources: MessageSource[];
}

/** What {@link applyBatch} needs; built once per container, except `remainingTimeMs`. */
export interface ApplyDeps {
  client: AuthenticationMethodsWriter;
  pacer: RequestPacer;
  queue: ApplyQueue;
  logger: Logger;
  options?: ApplyOptions;
  /** Milliseconds left in the invocation (Lambda's `getRemainingTimeInMillis`). @default () => Infinity */
  remainingTimeMs?: () => number;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** @default a timer */
  sleep?: Sleep;
  /** @default Math.random */
  random?: () => number;
  /** Called for every step of every user (the local runner's progress bar). Must not throw. */
  onOutcome?: (event: ApplyOutcomeEvent) => void;
  /**
   * The jobs of the records: cancelled jobs' records are dropped, users already counted are not sent again, and
   * each batch's outcomes are recorded before its records are deleted. @default none (no job accounting)
   */
  jobs?: ApplyJobs;
  /**
   * The sync state (issue 11): a record is claimed before its PUT (an older file's record is `superseded`), and
   * a 2xx writes the user's state. @default none: every record is PUT as it is
   */
  sync?: ApplySync;
  /**
   * The container's circuit breaker in front of Auth0 (it outlives invocations). @default none: every call
   * goes to Auth0; configuration errors still hold their records
   */
  circuit?: CircuitBreaker;
  /**
   * Port: a batch held records because of a configuration error. The jobs work wires it to `JobStore.pause`
   * for those files' jobs (status `paused` with the reason). Called once per such batch; a throw is logged.
   */
  onConfigurationError?: (event: ConfigurationErrorEvent) => Promise<void> | void;
  /**
   * Port: this container's circuit left a configuration error in this batch (Auth0 accepted the fixed secret
   * or grant). The jobs work wires it to `JobStore.resume` for these files' jobs. A throw is logged.
   */
  onConfigurationRecovered?: (event: { sources: MessageSource[] }) => Promise<void> | void;
}

/** Counts of one batch, by how each record ended. */
export interface ApplyCounts {
  applied: number;
  deadLettered: number;
  /** Returned for redelivery after transient failures. */
  retried: number;
  /** Returned for redelivery unattempted or unfinished because the time budget ran out. */
  deferred: number;
  /** Sent back to the work queue as new messages, delayed by the rest of a 429 pause the budget did not cover. */
  requeued: number;
  /** Deleted without a PUT: a newer file's methods for the user were applied or are being applied. */
  superseded: number;
  /** 429s waited out. */
  throttled: number;
  /** Dropped without a PUT: their job was cancelled. */
  cancelled: number;
  /** Deleted without a PUT: already counted in their job (delivered again). */
  alreadyCounted: number;
  /** Sent back to the work queue because Auth0 is unavailable (the circuit is open): kept, not failed. */
  heldByCircuit: number;
  /** Sent back to the work queue because of a configuration error (the job is paused): kept, not failed. */
  heldByConfiguration: number;
  /**
   * Age of the batch's oldest work, seconds since ingest first sent it (requeues included, which SQS's
   * `ApproximateAgeOfOldestMessage` restarts): the queue-age alarm's figure, as a Maximum.
   */
  oldestWorkAgeSeconds: number;
}

/** The partial batch response plus counts. */
export interface ApplyBatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  counts: ApplyCounts;
}
