import { basename, relative } from "node:path";
import type { DryRunSummary } from "../lib/local/dryRun.js";
import type { LocalMigrationSummary } from "../lib/local/types.js";
import { EXIT, type ExitCode } from "./exitCodes.js";
import { formatCount, formatDuration, formatRate } from "./format.js";

/**
 * The exit code of a run ({@link EXIT}): 0 all applied, 1 some users rejected or failed (or unaccounted),
 * 2 file error, 130 interrupted. A demo run (the bundled sample, which rejects and fails users on purpose)
 * succeeds when every user is accounted for, so a first run does not end in npm's error banner.
 */
export function exitCodeOf(summary: LocalMigrationSummary, options: { demo?: boolean } = {}): ExitCode {
  if (summary.interrupted) return EXIT.interrupted;
  if (summary.fileError || summary.tooManyRejected) return EXIT.usage;
  if (!summary.accounted) return EXIT.notAllApplied;
  if (options.demo) return EXIT.ok;
  const notApplied =
    summary.rejected + summary.failed + summary.failedToSend + summary.cancelled + summary.pending;
  return notApplied > 0 ? EXIT.notAllApplied : EXIT.ok;
}

/**
 * The `--json` object of design.md; `failed` includes users SQS would not take; `pending` only when
 * interrupted; `error` (with its `line`) when a file-level problem stopped the file part-way.
 */
export function jsonSummary(summary: LocalMigrationSummary, cwd = process.cwd()): Record<string, unknown> {
  return {
    users: summary.users,
    applied: summary.applied,
    rejected: summary.rejected,
    failed: summary.failed + summary.failedToSend,
    unchanged: summary.unchanged,
    durationMs: summary.durationMs,
    jobId: summary.jobId,
    reportsDir: here(summary.reports.dir, cwd),
    ...(summary.superseded > 0 ? { superseded: summary.superseded } : {}),
    ...(summary.cancelled > 0 ? { cancelled: summary.cancelled } : {}),
    ...(summary.interrupted ? { interrupted: true, pending: summary.pending } : {}),
    ...(summary.tooManyRejected ? { error: summary.tooManyRejected.message } : {}),
    ...(summary.fileError
      ? {
          error: summary.fileError.message,
          ...(summary.fileError.line === undefined ? {} : { line: summary.fileError.line }),
        }
      : {}),
  };
}

/** A path relative to the directory the command was typed in, when it is inside it. */
function here(path: string, cwd: string): string {
  const relativePath = relative(cwd, path);
  return relativePath === "" ? "." : relativePath.startsWith("..") ? path : relativePath;
}

function row(label: string, value: string | number, note = ""): string {
  const text = typeof value === "number" ? formatCount(value) : value;
  return `  ${label.padEnd(10)}${text.padStart(10)}${note ? `   ${note}` : ""}`;
}

/**
 * The table printed at the end of a run: counts, time, and the reports folder with each report named once
 * (the table says which report, the folder line names the files).
 * `typed` is the file as the user typed it.
 */
export function formatRunSummary(summary: LocalMigrationSummary, typed: string, cwd = process.cwd()): string {
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? (summary.applied + summary.failed) / seconds : 0;
  const reports = summary.reports;
  const name = (path: string | undefined) => (path === undefined ? "" : basename(path));
  const lines = [
    "",
    `Summary of ${typed}`,
    row("users", summary.users),
    row("applied", summary.applied),
    ...(summary.unchanged > 0
      ? [row("unchanged", summary.unchanged, "not sent: already applied by this tool with these factors")]
      : []),
    row("rejected", summary.rejected, summary.rejected > 0 ? "invalid input (the rejects report)" : ""),
    row(
      "failed",
      summary.failed,
      summary.failed > 0 ? "refused by Auth0 or out of retries (the failures report)" : "",
    ),
  ];
  if (summary.failedToSend > 0) {
    lines.push(row("not sent", summary.failedToSend, "SQS refused them (the unsent report)"));
  }
  if (summary.superseded > 0) {
    lines.push(
      row(
        "superseded",
        summary.superseded,
        "not sent: a newer file's factors were applied or are on the way",
      ),
    );
  }
  if (summary.cancelled > 0) {
    lines.push(row("cancelled", summary.cancelled, "not applied: the job was cancelled"));
  }
  if (summary.interrupted || summary.pending > 0) {
    lines.push(row("pending", summary.pending, "not applied: still queued when the run stopped"));
  }
  lines.push(row("time", formatDuration(summary.durationMs), `${formatRate(rate)} users/s through Auth0`));
  const files = [
    reports.rejects,
    reports.failures,
    reports.unsent,
    reports.summary,
    reports.result,
    reports.run,
    reports.log,
  ]
    .filter((path): path is string => path !== undefined)
    .map(name);
  if (summary.ingestInvocations > 1) {
    lines.push(
      row(
        "ingest",
        summary.ingestInvocations,
        `invocations, continued from checkpoints (job ${summary.jobId})`,
      ),
    );
  }
  lines.push("", `Reports in ${here(reports.dir, cwd)}/: ${files.join(", ")}`);
  lines.push(`Job ${summary.jobId}: ${summary.status} (factor-sync status ${summary.jobId})`);
  if (summary.fileError) {
    lines.push(
      "",
      `The file stopped early (${summary.fileError.message}): nothing was sent; the counts cover the lines before it.`,
    );
  }
  if (summary.tooManyRejected) lines.push("", `Stopped: ${summary.tooManyRejected.message}.`);
  if (!summary.accounted) {
    lines.push(
      "",
      `Warning: the job's counts do not add up, or do not match the queue; see ${name(reports.run)} and 'factor-sync status ${summary.jobId}'.`,
    );
  }
  if (summary.interrupted) {
    lines.push(
      "",
      `Interrupted: ${formatCount(summary.applied)} users applied, ${formatCount(summary.failed)} failed, ${formatCount(summary.rejected)} rejected; ${formatCount(summary.pending)} not applied.`,
      "Run the same file again to finish: only the users not yet applied with these factors are sent.",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The table of a dry run; `typed` is the file as the user typed it. */
export function formatDryRun(typed: string, summary: DryRunSummary): string {
  const lines = [
    `Dry run of ${typed}: nothing was sent`,
    row("users", summary.users),
    row("valid", summary.valid, `${formatCount(summary.methods)} methods would be sent`),
    row(
      "rejected",
      summary.rejected,
      summary.rejected > 0 ? `run 'factor-sync validate ${typed}' to list them` : "",
    ),
    row("time", formatDuration(summary.durationMs)),
  ];
  if (summary.fileError) {
    lines.push("", "The file stopped early: the counts cover the lines before the error.");
  }
  return `${lines.join("\n")}\n`;
}
