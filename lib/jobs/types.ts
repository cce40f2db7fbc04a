import type { DeadLetterReason } from "../messages/DeadLetter.js";

/**
 * Where a job is (design.md, "Jobs and sync state"): `validating` → `sending` → `applying` → `complete` |
 * `complete-with-failures`, or `rejected` (over the rejection tolerance), `paused` (a configuration error, with
 * its reason), `cancelled` (by the operator), `failed` (ingest could not run, with its reason).
 */
export type JobStatus =
  | "validating"
  | "sending"
  | "applying"
  | "complete"
  | "complete-with-failures"
  | "rejected"
  | "paused"
  | "cancelled"
  | "failed";

/** Statuses after which nothing is sent or applied any more (a redrive can still move failed → applied). */
export const FINISHED_STATUSES: readonly JobStatus[] = [
  "complete",
  "complete-with-failures",
  "rejected",
  "cancelled",
  "failed",
];

/**
 * The counts of a job. They always add up (see {@link countProblems}): users = valid + rejected;
 * valid = unchanged + sent + failedToSend; sent = applied + failed + superseded + cancelled + pending; a finished
 * job has pending = 0.
 */
export interface JobCounts {
  users: number;
  valid: number;
  rejected: number;
  /** Valid users whose method set equals what this tool last applied (incremental sync): not sent. */
  unchanged: number;
  sent: number;
  failedToSend: number;
  applied: number;
  failed: number;
  superseded: number;
  cancelled: number;
  pending: number;
}

/** The names of {@link JobCounts}, in the order design.md lists them. */
export const COUNT_NAMES = [
  "users",
  "valid",
  "rejected",
  "unchanged",
  "sent",
  "failedToSend",
  "applied",
  "failed",
  "superseded",
  "cancelled",
  "pending",
] as const satisfies readonly (keyof JobCounts)[];

/** The upload a job is about. */
export interface JobSource {
  bucket: string;
  key: string;
  versionId?: string;
  /** The S3 event's sequencer, which tells unversioned uploads of one key apart. */
  sequencer?: string;
}

/** The reports of a job, as object keys in the source bucket. */
export interface JobReports {
  rejects?: string;
  summary?: string;
  unsent?: string;
  result?: string;
  failures?: string;
}

/**
 * Where ingest stopped, for a continuation in a new invocation (issue 14). Opaque to the store: JSON-safe data
 * that ingest writes and reads back. Never user data beyond ids and offsets.
 */
export type StoredCheckpoint = Record<string, unknown>;

/** One job: an upload, its status, counts and timestamps. */
export interface Job extends JobCounts {
  id: string;
  source: JobSource;
  status: JobStatus;
  /** Why the job is `paused`, `failed` or `rejected`. */
  reason?: string;
  /** ISO 8601. */
  startedAt: string;
  /** When it reached `complete`, `complete-with-failures`, `rejected`, `cancelled` or `failed`. ISO 8601. */
  finishedAt?: string;
  /** When ingest finished sending (the job then waits for apply only). ISO 8601. */
  ingestFinishedAt?: string;
  /** Ingest invocations that worked on this job (more than one with continuations, issue 14). */
  ingestInvocations: number;
  /** The configured requests-per-second ceiling of the apply fleet, for the achieved-rate figure. */
  rpsCeiling?: number;
  reports: JobReports;
  checkpoint?: StoredCheckpoint;
}

/** The final outcome of one sent user (design.md, "Outcomes"), as recorded per user. */
export type UserOutcome = "applied" | "failed" | "superseded" | "cancelled";

/** What apply recorded about one user of a job: never a factor value. */
export interface UserOutcomeRecord {
  userId: string;
  outcome: UserOutcome;
  /** The input line where the user starts. */
  line?: number;
  /** For `failed`: why (the same fields as the dead-letter reason; the message without factor values). */
  reason?: DeadLetterReason;
  /** ISO 8601. */
  at: string;
}
