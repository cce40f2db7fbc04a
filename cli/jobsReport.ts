import { countProblems } from "../lib/jobs/countProblems.js";
import type { Job } from "../lib/jobs/types.js";
import { formatDuration } from "./format.js";

/** `jobs` for people: one line per job, newest first, then why each paused, failed or rejected job is so. */
export function formatJobsTable(jobs: Job[]): string {
  if (jobs.length === 0) return "No jobs yet.\n";
  const rows = [
    ["JOB", "STATUS", "FILE", "USERS", "APPLIED", "FAILED", "REJECTED", "PENDING", "STARTED"],
    ...jobs.map((job) => [
      job.id,
      job.status,
      job.source.key,
      String(job.users),
      String(job.applied),
      String(job.failed),
      String(job.rejected),
      String(job.pending),
      job.startedAt,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .concat(jobs.flatMap((job) => (job.reason ? [`${job.id} ${job.status}: ${job.reason}`] : [])))
    .map((line) => `${line}\n`)
    .join("");
}

/** `status` for people: the job, its counts as design.md's equations, and where its reports are. */
export function formatJobStatus(job: Job, now: number): string {
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const lines = [
    `Job ${job.id}: ${job.status}${job.reason ? ` (${job.reason})` : ""}`,
    `  file      s3://${job.source.bucket}/${job.source.key}${job.source.versionId ? ` (version ${job.source.versionId})` : ""}`,
    `  started   ${job.startedAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ""} (${formatDuration(end - Date.parse(job.startedAt))})`,
    `  users     ${job.users} = ${job.valid} valid + ${job.rejected} rejected`,
    `  valid     ${job.valid} = ${job.unchanged} unchanged + ${job.sent} sent + ${job.failedToSend} failed to send`,
    `  sent      ${job.sent} = ${job.applied} applied + ${job.failed} failed + ${job.superseded} superseded + ${job.cancelled} cancelled + ${job.pending} pending`,
  ];
  const checkpoint = job.checkpoint as
    | { seq?: unknown; pass?: unknown; position?: { line?: unknown } }
    | undefined;
  if (job.ingestInvocations > 1 || checkpoint !== undefined) {
    // Issue 14: an ingest that ran out of time went on in new invocations, from checkpoints.
    const at =
      checkpoint !== undefined
        ? `, continuing from checkpoint ${String(checkpoint.seq)} (pass ${String(checkpoint.pass)}, line ${String(checkpoint.position?.line)})`
        : "";
    lines.push(`  ingest    ${job.ingestInvocations} invocations${at}`);
  }
  const problems = countProblems(job);
  if (problems.length > 0 && job.ingestFinishedAt !== undefined) {
    lines.push(`  counts do not add up: ${problems.join("; ")}`);
  }
  const reports = Object.entries(job.reports).filter(([, key]) => key !== undefined);
  if (reports.length > 0)
    lines.push(`  reports   ${reports.map(([name, key]) => `${name}: ${key}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}
