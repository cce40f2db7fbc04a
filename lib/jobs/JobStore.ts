import type {
  Job,
  JobCounts,
  JobReports,
  JobSource,
  JobStatus,
  UserOutcome,
  UserOutcomeRecord,
} from "./types.js";

/** What creates a job (the first ingest invocation of an upload). */
export interface NewJob {
  id: string;
  source: JobSource;
  /** ISO 8601. */
  startedAt: string;
  rpsCeiling?: number;
}

/** What ingest knows when it has finished reading and sending (`sent`: users actually put on the queue). */
export interface IngestTotals
  extends Pick<JobCounts, "users" | "valid" | "rejected" | "unchanged" | "sent" | "failedToSend"> {
  /** ISO 8601. */
  finishedAt: string;
  reports: JobReports;
  /** Valid users not sent because the job was cancelled during sending: counted as sent and cancelled. */
  cancelledUnsent?: number;
  /**
   * How ingest ended when not by reading the whole file: `failed` (a file-level error stopped it) or `rejected`
   * (more rejected users than the tolerance), with the reason. Users already sent are still applied.
   * @default the job moves on to `applying`
   */
  end?: { status: "failed" | "rejected"; reason: string };
}

/** What {@link JobStore.recordOutcomes} did with one batch. */
export interface RecordedOutcomes {
  /** The job after the batch's counts were added (undefined when the job does not exist). */
  job: Job | undefined;
  /** Users whose outcome changed with this batch (counted now). */
  changed: string[];
  /** Users whose outcome was already recorded as it is (a redelivered record: counted once, earlier). */
  unchanged: string[];
}

/**
 * The jobs table, as the pipeline uses it (design.md, "Jobs and sync state"). {@link DynamoJobStore} is the
 * adapter, on DynamoDB or, locally, dynalite. Every method is safe to repeat: a repeated call after a crash finds
 * its effect and does not count twice.
 */
export interface JobStore {
  /** Creates the job, or finds it when the same upload was already seen (a duplicate S3 event). */
  createJob(job: NewJob): Promise<{ created: boolean; job: Job }>;
  getJob(id: string): Promise<Job | undefined>;
  /** Every job, newest first. */
  listJobs(): Promise<Job[]>;
  /** `validating` → `sending`; false when the job is no longer validating (cancelled meanwhile). */
  markSending(id: string): Promise<boolean>;
  /**
   * Counts `count` more users as sent and pending before they are sent, so pending never drops below what is in
   * the queue. `round` (1, 2, ...) makes a retried call count once. `mark`, ingest's send mark (issue 14: how
   * far it has sent without a gap, opaque to the store), is saved in the same update (`ingestMark`). Returns the
   * job's status (ingest stops on `cancelled`).
   */
  reserveSent(id: string, count: number, round: number, mark?: Record<string, unknown>): Promise<JobStatus>;
  /**
   * Ingest has finished: sets its totals, gives back the reserved users that were not sent, and moves the job to
   * `applying`, or to `totals.end` (unless it was cancelled meanwhile). Returns the job after the change.
   */
  finishIngest(id: string, totals: IngestTotals, reserved: number): Promise<Job>;
  /** Ingest could not run (`failed`) or found too many rejected users (`rejected`): the job ends with `reason`. */
  endIngest(
    id: string,
    status: "failed" | "rejected",
    reason: string,
    counts?: Partial<JobCounts>,
  ): Promise<Job>;
  /**
   * Records the outcomes of one apply batch, each user once, and adds the batch's count changes to the job in one
   * update. A user already recorded with that outcome is left as it is (counted once); a `failed` user may become
   * `applied` or `superseded` (a redrive).
   */
  recordOutcomes(jobId: string, outcomes: UserOutcomeRecord[]): Promise<RecordedOutcomes>;
  /** The recorded outcomes of these users (absent: nothing recorded yet). */
  getOutcomes(jobId: string, userIds: string[]): Promise<Map<string, UserOutcome>>;
  /** Every recorded outcome of the job (optionally only one kind), in user id order. */
  listOutcomes(jobId: string, outcome?: UserOutcome): Promise<UserOutcomeRecord[]>;
  /**
   * When ingest has finished and nothing is pending: ends the job (`complete`, `complete-with-failures`, or a
   * cancelled job's `finishedAt`) and returns it; only one caller gets the job back, every other gets undefined.
   * On a finished job whose `failed` count changed (a redrive), moves it between the two complete statuses and
   * returns it too, so that its reports are rewritten.
   */
  finish(id: string, finishedAt: string): Promise<Job | undefined>;
  /** Records where the job's reports are. */
  setReports(id: string, reports: JobReports): Promise<void>;
  /** The operator cancels the job: ingest stops sending, apply drops its records (`cancelled`). */
  cancel(id: string): Promise<Job>;
  /** A configuration error pauses the job (issue 12); `resume` puts it back where it was. */
  pause(id: string, reason: string): Promise<Job>;
  resume(id: string): Promise<Job>;
}
