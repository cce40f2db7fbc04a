import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { FAILURES_CSV_HEADER, toFailuresCsvRow } from "../dlq/FailuresCsv.js";
import { CSV_BYTE_ORDER_MARK } from "../reports/csv.js";
import { reportKeys } from "../reports/reportKeys.js";
import type { JobStore } from "./JobStore.js";
import { COUNT_NAMES, type Job, type JobCounts, type JobReports, type UserOutcomeRecord } from "./types.js";

/** `reports/<key>.result.json`: how a job ended. */
export interface CompletionReport {
  jobId: string;
  source: Job["source"];
  status: Job["status"];
  counts: JobCounts;
  startedAt: string;
  ingestFinishedAt?: string;
  finishedAt?: string;
  durations: {
    /** From the job's start to its end. */
    totalMs?: number;
    /** From the job's start to the end of ingest (reading and sending). */
    ingestMs?: number;
  };
  /** Users applied per second over the whole job, against the apply fleet's configured ceiling. */
  rate: { appliedPerSecond?: number; ceilingPerSecond?: number; shareOfCeiling?: number };
  reports: JobReports;
}

/**
 * The completion report of a job as it stands.
 *
 * @example
 * const report = completionReport(job, { result: keys.result, failures: keys.failures });
 */
export function completionReport(job: Job, reports: JobReports = job.reports): CompletionReport {
  const started = Date.parse(job.startedAt);
  const since = (at: string | undefined) => (at === undefined ? undefined : Date.parse(at) - started);
  const totalMs = since(job.finishedAt);
  const appliedPerSecond =
    totalMs !== undefined && totalMs > 0 ? round(job.applied / (totalMs / 1000)) : undefined;
  const ceiling = job.rpsCeiling;
  return {
    jobId: job.id,
    source: job.source,
    status: job.status,
    counts: Object.fromEntries(COUNT_NAMES.map((name) => [name, job[name]])) as unknown as JobCounts,
    startedAt: job.startedAt,
    ...(job.ingestFinishedAt ? { ingestFinishedAt: job.ingestFinishedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    durations: {
      ...(totalMs !== undefined ? { totalMs } : {}),
      ...(job.ingestFinishedAt ? { ingestMs: since(job.ingestFinishedAt) } : {}),
    },
    rate: {
      ...(appliedPerSecond !== undefined ? { appliedPerSecond } : {}),
      ...(ceiling !== undefined ? { ceilingPerSecond: ceiling } : {}),
      ...(appliedPerSecond !== undefined && ceiling
        ? { shareOfCeiling: round(appliedPerSecond / ceiling) }
        : {}),
    },
    reports,
  };
}

/**
 * The failures report of a job: its failed users, with the columns and the shape of `dlq-export`'s (a UTF-8
 * byte-order mark, CRLF), built from the job, not from the DLQ.
 *
 * @example
 * const csv = failuresCsv(job, await store.listOutcomes(job.id, "failed"));
 */
export function failuresCsv(job: Job, failed: UserOutcomeRecord[]): string {
  const rows = failed.map((record) =>
    toFailuresCsvRow({
      messageId: "",
      userId: record.userId,
      line: record.line,
      sourceKey: job.source.key,
      reason: record.reason ?? { status: "unknown", message: "", attempts: 0, failedAt: record.at },
    }),
  );
  // The shape of every CSV report: a UTF-8 byte-order mark (spreadsheets then read UTF-8), CRLF line ends.
  return `${CSV_BYTE_ORDER_MARK}${[FAILURES_CSV_HEADER, ...rows].map((row) => `${row}\r\n`).join("")}`;
}

/** What {@link finishJob} works with. */
export interface FinishJobDeps {
  store: JobStore;
  s3: S3Client;
  /** Where reports go in the source bucket. @default "reports/" */
  reportsPrefix?: string;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
}

/**
 * Ends the job if it is done (ingest finished, nothing pending) and writes its completion report and failures
 * report next to the input: exactly one caller does, for each change of the counts (a redriven user applied after
 * the job ended rewrites them). Returns the finished job, or undefined when this caller had nothing to do.
 *
 * @example
 * const finished = await finishJob(jobId, { store, s3 });
 */
export async function finishJob(jobId: string, deps: FinishJobDeps): Promise<Job | undefined> {
  const clock = deps.clock ?? Date.now;
  const job = await deps.store.finish(jobId, new Date(clock()).toISOString());
  if (job === undefined) return undefined;
  return writeJobReports(job, deps);
}

/**
 * Writes a finished job's completion and failures reports and records their keys in the job. {@link finishJob}
 * calls it once the job is finished; called again for a finished job whose reports were never recorded (the
 * writer that finished it stopped before), it writes the same reports.
 *
 * @example
 * const job = await store.getJob(jobId);
 * if (job?.status === "complete" && job.reports.result === undefined) await writeJobReports(job, { store, s3 });
 */
export async function writeJobReports(job: Job, deps: FinishJobDeps): Promise<Job> {
  const keys = reportKeys(job.source.key, deps.reportsPrefix);
  const reports: JobReports = { ...job.reports, result: keys.result, failures: keys.failures };
  const failed = await deps.store.listOutcomes(job.id, "failed");
  await put(deps.s3, job.source.bucket, keys.failures, failuresCsv(job, failed), "text/csv; charset=utf-8");
  const report = completionReport({ ...job, reports }, reports);
  await put(
    deps.s3,
    job.source.bucket,
    keys.result,
    `${JSON.stringify(report, null, 2)}\n`,
    "application/json",
  );
  await deps.store.setReports(job.id, { result: keys.result, failures: keys.failures });
  return { ...job, reports };
}

async function put(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  contentType: string,
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
