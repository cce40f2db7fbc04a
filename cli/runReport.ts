import { relative } from "node:path";
import type { DryRunSummary } from "../lib/local/dryRun.js";
import type { LocalMigrationSummary } from "../lib/local/types.js";
import { formatDuration } from "./formatDuration.js";

/** Exit codes of `run` (README "Run it on one machine"). */
export const RUN_EXIT = {
  /** Every user of the file was applied. */
  allApplied: 0,
  /** Some users were rejected, failed or not sent (see the reports). */
  someNotApplied: 1,
  /** Bad options, an unreadable or unsupported file, a file-level error, refused credentials. */
  usage: 2,
  /** Stopped by Ctrl-C. */
  interrupted: 130,
} as const;

/**
 * The exit code of a run: 0 all applied, 1 some users rejected or failed (or unaccounted), 2 file error,
 * 130 interrupted. A demo run (`npm start` on the bundled sample, which rejects and fails users on purpose)
 * succeeds when every user is accounted for, so a first run does not end in npm's error banner.
 */
export function exitCodeOf(summary: LocalMigrationSummary, options: { demo?: boolean } = {}): number {
  if (summary.interrupted) return RUN_EXIT.interrupted;
  if (summary.fileError) return RUN_EXIT.usage;
  if (!summary.accounted) return RUN_EXIT.someNotApplied;
  if (options.demo) return RUN_EXIT.allApplied;
  const notApplied =
    summary.rejected + summary.failed + summary.failedToSend + summary.cancelled + summary.pending;
  return notApplied > 0 ? RUN_EXIT.someNotApplied : RUN_EXIT.allApplied;
}

/** The `--json` line of design.md; `failed` includes users SQS would not take; `pending` only when interrupted. */
export function jsonSummary(summary: LocalMigrationSummary): string {
  return JSON.stringify({
    users: summary.users,
    applied: summary.applied,
    rejected: summary.rejected,
    failed: summary.failed + summary.failedToSend,
    unchanged: summary.unchanged,
    durationMs: summary.durationMs,
    jobId: summary.jobId,
    reportsDir: summary.reports.dir,
    ...(summary.superseded > 0 ? { superseded: summary.superseded } : {}),
    ...(summary.cancelled > 0 ? { cancelled: summary.cancelled } : {}),
    ...(summary.interrupted ? { interrupted: true, pending: summary.pending } : {}),
  });
}

const here = (path: string) => relative(process.cwd(), path) || ".";

function row(label: string, value: string | number, note = ""): string {
  return `  ${label.padEnd(11)}${String(value).padStart(9)}${note ? `   ${note}` : ""}`;
}

/** The table printed at the end of a run. */
export function formatRunSummary(summary: LocalMigrationSummary): string {
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? (summary.applied + summary.failed) / seconds : 0;
  const reports = summary.reports;
  const lines = [
    "",
    `Summary of ${here(summary.file)} (uploaded as ${summary.key}), job ${summary.jobId}: ${summary.status}`,
    row("users", summary.users),
    row("applied", summary.applied),
    row(
      "unchanged",
      summary.unchanged,
      summary.unchanged > 0 ? "not sent: already applied by this tool with these factors" : "",
    ),
    row(
      "rejected",
      summary.rejected,
      summary.rejected > 0 && reports.rejects ? `invalid input: ${here(reports.rejects)}` : "",
    ),
    row(
      "failed",
      summary.failed,
      summary.failed > 0 ? `refused by Auth0 or out of retries: ${here(reports.failures)}` : "",
    ),
  ];
  if (summary.failedToSend > 0) {
    lines.push(
      row(
        "not sent",
        summary.failedToSend,
        reports.unsent ? `SQS refused them: ${here(reports.unsent)}` : "",
      ),
    );
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
  if (summary.cancelled > 0)
    lines.push(row("cancelled", summary.cancelled, "not applied: the job was cancelled"));
  if (summary.interrupted || summary.pending > 0) {
    lines.push(row("pending", summary.pending, "not applied: still queued when the run stopped"));
  }
  lines.push(row("time", formatDuration(summary.durationMs), `${rate.toFixed(1)} users/s through Auth0`));
  lines.push("", `Reports in ${here(reports.dir)}/ (follow the job: factor-sync status ${summary.jobId})`);
  for (const [name, path] of [
    ["rejects", reports.rejects],
    ["failures", reports.failures],
    ["unsent", reports.unsent],
    ["summary", reports.summary],
    ["result", reports.result],
    ["run", reports.run],
    ["log", reports.log],
  ] as const) {
    if (path) lines.push(`  ${name.padEnd(9)} ${here(path)}`);
  }
  if (summary.fileError)
    lines.push("", "The file stopped early: the counts cover the lines before the error.");
  if (!summary.accounted) {
    lines.push(
      "",
      `Warning: the job's counts do not add up; see ${here(reports.run)} and 'status ${summary.jobId}'.`,
    );
  }
  if (summary.interrupted) {
    lines.push(
      "",
      `Interrupted: ${summary.applied} users applied, ${summary.failed} failed, ${summary.rejected} rejected; ${summary.pending} not applied.`,
      "Run the same file again to finish: only the users not yet applied with these factors are sent.",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The table of a dry run. */
export function formatDryRun(file: string, summary: DryRunSummary): string {
  const lines = [
    `Dry run of ${file}: nothing was sent.`,
    row("users", summary.users),
    row("valid", summary.valid, `${summary.methods} methods would be sent`),
    row("rejected", summary.rejected, summary.rejected > 0 ? `run 'validate ${file}' to list them` : ""),
    row("time", formatDuration(summary.durationMs)),
  ];
  if (summary.fileError)
    lines.push("", "The file stopped early: the counts cover the lines before the error.");
  return `${lines.join("\n")}\n`;
}
