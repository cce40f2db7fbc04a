import type { JobStore } from "./JobStore.js";
import type { JobStatus } from "./types.js";

/** Users reserved in one update of the job, unless told otherwise. */
export const DEFAULT_RESERVE_CHUNK = 1000;

/**
 * Counts users as sent (and pending) in the job before they are put on the queue, a chunk at a time, so the job's
 * pending count never drops below what apply can find in the queue, and the job item is not updated per user.
 * {@link JobStore.finishIngest} gives back what was reserved and not sent.
 *
 * @example
 * const reservation = new SentReservation(store, jobId);
 * for await (const user of valid) { if ((await reservation.take()) === "cancelled") break; await queue.enqueue(user); }
 * await store.finishIngest(jobId, totals, reservation.reserved);
 */
export class SentReservation {
  /** Users counted as sent in the job by this reservation. */
  public reserved = 0;
  private taken = 0;
  private status: JobStatus = "sending";

  public constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    /** Users reserved in one update. @default 1000 */
    private readonly chunk = DEFAULT_RESERVE_CHUNK,
    /**
     * Updates earlier invocations of the same ingest made (a continuation, issue 14): rounds go on from there.
     * @default 0
     */
    private rounds = 0,
  ) {}

  /** Reservation updates made on the job so far, by this reservation and those before it. */
  public get round(): number {
    return this.rounds;
  }

  /**
   * Reserves one user (one update per `chunk` users) and returns the job's status as of the last update; `mark`
   * (ingest's send mark) goes into the job with the update, when there is one.
   */
  public async take(mark?: () => Record<string, unknown> | undefined): Promise<JobStatus> {
    if (this.taken >= this.reserved) {
      this.rounds += 1;
      this.status = await this.store.reserveSent(this.jobId, this.chunk, this.rounds, mark?.());
      this.reserved += this.chunk;
    }
    this.taken += 1;
    return this.status;
  }
}
