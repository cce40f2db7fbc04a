import { COUNT_NAMES, type Job, type JobCounts, type JobStatus } from "./types.js";

/** A job as `jobs --json` and `status --json` print it (design.md, "Interfaces"). */
export interface JobJson extends JobCounts {
  id: string;
  source: { bucket: string; key: string; versionId?: string };
  status: JobStatus;
  /** Why the job is `paused`, `failed` or `rejected` (beside design.md's fields, only when there is one). */
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  ingestInvocations: number;
}

/**
 * The design.md shape of a job, fields in its order.
 *
 * @example
 * console.log(JSON.stringify({ jobs: jobs.map(toJobJson) }));
 */
export function toJobJson(job: Job): JobJson {
  const { bucket, key, versionId } = job.source;
  return {
    id: job.id,
    source: { bucket, key, ...(versionId ? { versionId } : {}) },
    status: job.status,
    ...(job.reason ? { reason: job.reason } : {}),
    ...(Object.fromEntries(COUNT_NAMES.map((name) => [name, job[name]])) as unknown as JobCounts),
    startedAt: job.startedAt,
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ingestInvocations: job.ingestInvocations,
  };
}
