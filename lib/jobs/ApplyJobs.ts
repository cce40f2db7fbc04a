import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../logging/Logger.js";
import { finishJob, writeJobReports } from "./completionReport.js";
import { JobNotFoundError, JobStatusError } from "./errors.js";
import type { JobStore } from "./JobStore.js";
import type { Job, UserOutcome, UserOutcomeRecord } from "./types.js";

/** What {@link ApplyJobs} works with. */
export interface ApplyJobsDeps {
  store: JobStore;
  /** Writes the completion reports. */
  s3: S3Client;
  logger: Logger;
  /** @default "reports/" */
  reportsPrefix?: string;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /**
   * A job this container paused is not paused again by it sooner than this (every held batch reports the
   * configuration error: one write a job and minute, not one a batch). @default 60_000
   */
  repauseAfterMs?: number;
}

/** One user of a batch and its job. */
export interface BatchUser {
  jobId: string;
  userId: string;
}

/** What a batch's jobs say before anything is applied. */
export interface BatchLookup {
  /** The job's status, when the job exists. */
  statusOf(jobId: string): Job["status"] | undefined;
  /** What the user already counts as in its job (a redelivered record), if anything. */
  outcomeOf(user: BatchUser): UserOutcome | undefined;
}

/** One user's outcome to record, in its job. */
export interface JobOutcome {
  jobId: string;
  outcome: UserOutcomeRecord;
}

/**
 * Apply's side of the jobs: before a batch is applied, which of its jobs are cancelled and which users are
 * already counted (a redelivered record is not sent again); after it is settled and before its records are
 * deleted, the batch's outcomes recorded once per job (one count update per job and batch), and every job that
 * has nothing pending left finished (its reports written).
 *
 * @example
 * const lookup = await jobs.lookUp(users);
 * // decide: cancelled jobs' records are dropped, counted users are not sent again ...
 * await jobs.record(outcomes); // throws: keep the records, they come back and count once
 */
export class ApplyJobs {
  /** When this container last paused each job, epoch ms. */
  private readonly pausedAt = new Map<string, number>();

  public constructor(private readonly deps: ApplyJobsDeps) {}

  public async lookUp(users: BatchUser[]): Promise<BatchLookup> {
    const byJob = groupBy(users, (user) => user.jobId);
    const statuses = new Map<string, Job["status"]>();
    const outcomes = new Map<string, Map<string, UserOutcome>>();
    await Promise.all(
      [...byJob].map(async ([jobId, members]) => {
        const [job, recorded] = await Promise.all([
          this.deps.store.getJob(jobId),
          this.deps.store.getOutcomes(
            jobId,
            members.map((member) => member.userId),
          ),
        ]);
        if (job !== undefined) statuses.set(jobId, job.status);
        outcomes.set(jobId, recorded);
      }),
    );
    return {
      statusOf: (jobId) => statuses.get(jobId),
      outcomeOf: (user) => outcomes.get(user.jobId)?.get(user.userId),
    };
  }

  /**
   * A configuration error held records of these jobs: each is paused with `reason` (design.md). A job that is
   * no longer sending or applying, or has nothing pending, is left as it is.
   */
  public async pause(jobIds: string[], reason: string): Promise<void> {
    const now = (this.deps.clock ?? Date.now)();
    const every = this.deps.repauseAfterMs ?? 60_000;
    await Promise.all(
      [...new Set(jobIds)].map(async (jobId) => {
        if (now - (this.pausedAt.get(jobId) ?? Number.NEGATIVE_INFINITY) < every) return;
        this.pausedAt.set(jobId, now);
        try {
          const job = await this.deps.store.pause(jobId, reason);
          this.deps.logger.warn({ jobId, status: job.status, reason }, "job paused");
        } catch (error) {
          if (error instanceof JobStatusError || error instanceof JobNotFoundError) return;
          this.pausedAt.delete(jobId);
          throw error;
        }
      }),
    );
  }

  /** Auth0 accepts us again: these jobs, if paused, go back to where they were. Never throws (logged). */
  public async resume(jobIds: string[]): Promise<void> {
    await Promise.all([...new Set(jobIds)].map((jobId) => this.resumeOne(jobId)));
  }

  private async resumeOne(jobId: string): Promise<void> {
    this.pausedAt.delete(jobId);
    try {
      const job = await this.deps.store.resume(jobId);
      this.deps.logger.info({ jobId, status: job.status }, "job resumed");
    } catch (error) {
      // Not paused (any more): resumed by another batch, cancelled, finished. Anything else: the next outcome
      // of the job resumes it, and a job with nothing pending completes paused or not.
      if (error instanceof JobStatusError || error instanceof JobNotFoundError) return;
      this.deps.logger.error(
        { jobId, error: error instanceof Error ? error.name : "unknown" },
        "could not resume the job",
      );
    }
  }

  /**
   * Records the outcomes (once per job), resumes a paused job when Auth0 answered one of its users (whichever
   * container's circuit closed), then finishes the jobs that are done. Throws when a job could not be finished:
   * the batch's records are kept, and their redelivery finishes it.
   */
  public async record(outcomes: JobOutcome[]): Promise<void> {
    const byJob = groupBy(outcomes, (entry) => entry.jobId);
    await Promise.all(
      [...byJob].map(async ([jobId, entries]) => {
        const recorded = await this.deps.store.recordOutcomes(
          jobId,
          entries.map((entry) => entry.outcome),
        );
        if (recorded.job === undefined) {
          this.deps.logger.warn({ jobId, users: entries.length }, "no such job: outcomes not counted");
          return;
        }
        const job = recorded.job;
        if (job.status === "paused" && answeredByAuth0(entries, recorded.changed))
          await this.resumeOne(jobId);
        await this.finishIfDone(jobId, job);
      }),
    );
  }

  /**
   * Finishes these jobs if they are done: called for records of users already counted (delivered again), so
   * that a job whose last outcomes were counted by a container that stopped before finishing it still
   * completes, with its reports, when any of its records comes back. Never throws (logged).
   */
  public async finishCounted(jobIds: string[]): Promise<void> {
    await Promise.all(
      [...new Set(jobIds)].map(async (jobId) => {
        try {
          const job = await this.deps.store.getJob(jobId);
          if (job === undefined) return;
          if (finishedWithoutReports(job)) {
            // Finished by a writer that stopped before its reports were written: write them now.
            await writeJobReports(job, this.deps);
            this.deps.logger.info({ jobId, status: job.status }, "job's reports written");
            return;
          }
          await this.finishIfDone(jobId, job);
        } catch (error) {
          this.deps.logger.error(
            { jobId, error: error instanceof Error ? error.name : "unknown" },
            "could not finish the job or write its reports",
          );
        }
      }),
    );
  }

  /**
   * Finishes the job if it is done. A failure is logged and thrown: the batch's records are then kept, come
   * back as counted users, and {@link finishCounted} finishes the job or writes its reports on their delivery.
   */
  private async finishIfDone(jobId: string, job: Job): Promise<void> {
    if (job.pending > 0 || job.ingestFinishedAt === undefined) return;
    let finished: Job | undefined;
    try {
      finished = await finishJob(jobId, this.deps);
    } catch (error) {
      this.deps.logger.error(
        { jobId, error: error instanceof Error ? error.name : "unknown" },
        "could not finish the job; its last records are kept to finish it on their redelivery",
      );
      throw error;
    }
    if (finished === undefined) return;
    this.deps.logger.info(
      {
        jobId,
        status: finished.status,
        applied: finished.applied,
        failed: finished.failed,
        cancelled: finished.cancelled,
      },
      "job finished; reports written",
    );
  }
}

/** A job counted as finished whose completion report was never recorded. */
function finishedWithoutReports(job: Job): boolean {
  return (
    (job.status === "complete" || job.status === "complete-with-failures") &&
    job.pending === 0 &&
    job.reports.result === undefined
  );
}

/** Whether Auth0 answered a PUT of one of these newly counted users (applied, or failed): it accepts us again. */
function answeredByAuth0(entries: JobOutcome[], changed: string[]): boolean {
  const counted = new Set(changed);
  return entries.some(
    ({ outcome }) =>
      counted.has(outcome.userId) && (outcome.outcome === "applied" || outcome.outcome === "failed"),
  );
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
