import type { S3Client } from "@aws-sdk/client-s3";
import { finishJob } from "./completionReport.js";
import type { IngestTotals, JobStore } from "./JobStore.js";
import { jobIdFor } from "./jobId.js";
import { DEFAULT_RESERVE_CHUNK, SentReservation } from "./SentReservation.js";
import type { Job, JobSource } from "./types.js";

/** What {@link IngestJob} works with. */
export interface IngestJobDeps {
  store: JobStore;
  /** Writes the completion report when the job ends during ingest (nothing to apply). */
  s3: S3Client;
  /** @default "reports/" */
  reportsPrefix?: string;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Users counted as sent per update of the job. @default 1000 */
  reserveChunk?: number;
}

/** What the invocations before a continuation reserved in the job (carried in its checkpoint). */
export interface ReservedBefore {
  /** Users counted as sent. */
  reserved: number;
  /** Reservation updates made (each counts once, see {@link JobStore.reserveSent}). */
  rounds: number;
  /** Whether one of them found the job cancelled (nothing more is sent). */
  cancelled: boolean;
}

/**
 * Ingest's side of a job: created (or found, for a duplicate S3 event) at the start, users counted as sent before
 * they are sent (and sending stopped when the job is cancelled), the totals recorded at the end.
 *
 * @example
 * const opened = await IngestJob.open(source, { store, s3 }, { rpsCeiling: 16 });
 * if (!opened.created) return; // the same upload again: its job exists
 * for await (const user of valid) { if (!(await opened.job.beforeSend())) break; await queue.enqueue(user); }
 * await opened.job.finish(totals);
 */
export class IngestJob {
  private readonly reservation: SentReservation;
  private cancelled = false;

  private constructor(
    public readonly id: string,
    private readonly deps: IngestJobDeps,
    /** What earlier invocations reserved (a continuation, issue 14). */
    before: ReservedBefore = { reserved: 0, rounds: 0, cancelled: false },
  ) {
    this.reservedBefore = before.reserved;
    this.cancelled = before.cancelled;
    this.reservation = new SentReservation(deps.store, id, deps.reserveChunk, before.rounds);
  }

  private readonly reservedBefore: number;

  /**
   * The job of an ingest continued from a checkpoint (issue 14): the invocations before counted
   * `before.reserved` users as sent in `before.rounds` updates (given back at the end as far as they were not
   * sent), and may have found the job cancelled. `roundsInJob`, the job's own count of reservation updates, is
   * more than the checkpoint's when an invocation died after it.
   *
   * @example
   * const job = IngestJob.resume(jobId, deps, { reserved: 3000, rounds: 3, cancelled: false });
   */
  public static resume(
    id: string,
    deps: IngestJobDeps,
    before: ReservedBefore,
    roundsInJob: number = before.rounds,
  ): IngestJob {
    // An invocation that died after the checkpoint reserved more rounds than it says: they count, and are
    // given back at the end as far as they were not sent.
    const extra = Math.max(0, roundsInJob - before.rounds);
    const chunk = deps.reserveChunk ?? DEFAULT_RESERVE_CHUNK;
    return new IngestJob(id, deps, {
      ...before,
      reserved: before.reserved + extra * chunk,
      rounds: before.rounds + extra,
    });
  }

  /** Users counted as sent in the job so far, by this invocation and those before it. */
  public get reserved(): number {
    return this.reservedBefore + this.reservation.reserved;
  }

  /** Reservation updates of the job so far (what a continuation goes on from). */
  public get reserveRounds(): number {
    return this.reservation.round;
  }

  /** Creates the upload's job, or finds it: `created` false means a duplicate event (do nothing). */
  public static async open(
    source: JobSource,
    deps: IngestJobDeps,
    options: { rpsCeiling?: number } = {},
  ): Promise<{ created: boolean; job: IngestJob; record: Job }> {
    const id = jobIdFor(source);
    const clock = deps.clock ?? Date.now;
    const { created, job } = await deps.store.createJob({
      id,
      source,
      startedAt: new Date(clock()).toISOString(),
      ...(options.rpsCeiling !== undefined ? { rpsCeiling: options.rpsCeiling } : {}),
    });
    return { created, job: new IngestJob(id, deps), record: job };
  }

  /** Whether the operator cancelled the job (as of the last look). */
  public get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Pass 2 starts: the job is `sending`. */
  public async startSending(): Promise<void> {
    if (!(await this.deps.store.markSending(this.id))) {
      this.cancelled = (await this.deps.store.getJob(this.id))?.status === "cancelled";
    }
  }

  /**
   * Counts one user as sent before it is sent; false when the job was cancelled (send nothing more). `mark`
   * (ingest's send mark, issue 14) is saved with the reservation update when one is due.
   */
  public async beforeSend(mark?: () => Record<string, unknown> | undefined): Promise<boolean> {
    if (this.cancelled) return false;
    this.cancelled = (await this.reservation.take(mark)) === "cancelled";
    return !this.cancelled;
  }

  /**
   * Records ingest's totals, gives back what was counted and not sent, and ends the job if nothing is pending
   * (then writes its reports). Returns the job.
   */
  public async finish(totals: Omit<IngestTotals, "finishedAt">): Promise<Job> {
    const clock = this.deps.clock ?? Date.now;
    // Users counted as sent and not sent (the rest of the last chunk, those SQS refused) are given back.
    const job = await this.deps.store.finishIngest(
      this.id,
      { ...totals, finishedAt: new Date(clock()).toISOString() },
      this.reserved,
    );
    return (await finishJob(this.id, this.deps)) ?? job;
  }

  /** Ingest could not run (S3 or SQS unusable): the job ends `failed` with the reason. */
  public async fail(reason: string): Promise<Job> {
    await this.deps.store.endIngest(this.id, "failed", reason);
    return (
      (await finishJob(this.id, this.deps)) ?? (await this.deps.store.endIngest(this.id, "failed", reason))
    );
  }
}
