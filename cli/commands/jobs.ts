import { Command } from "commander";
import { isFinished } from "../../lib/jobs/DynamoJobStore.js";
import { JobNotFoundError, JobStatusError } from "../../lib/jobs/errors.js";
import type { JobStore } from "../../lib/jobs/JobStore.js";
import { isJobId } from "../../lib/jobs/jobId.js";
import { toJobJson } from "../../lib/jobs/jobJson.js";
import type { Job } from "../../lib/jobs/types.js";
import { formatDuration } from "../format.js";
import { formatJobStatus, formatJobsTable } from "../jobsReport.js";
import { type JobsTableOptions, jobsTableOptions, openJobs } from "../jobsTable.js";

/** Exit codes of the jobs commands: 2 is a usage error, an unknown job included (design.md). */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

interface JobsOptions extends JobsTableOptions {
  json?: boolean;
}

interface StatusOptions extends JobsOptions {
  watch?: boolean;
  interval: number;
}

function withTableOptions(command: Command): Command {
  for (const option of jobsTableOptions()) command.addOption(option);
  return command.exitOverride();
}

function fail(message: string, code: number): number {
  process.stderr.write(`error: ${message}\n`);
  return code;
}

/** Runs `action` on the chosen table, mapping the jobs errors to one-line messages and exit codes. */
async function withStore(
  options: JobsTableOptions,
  action: (store: JobStore | undefined) => Promise<number>,
) {
  let jobs: Awaited<ReturnType<typeof openJobs>> | undefined;
  try {
    jobs = await openJobs(options);
    process.exitCode = await action(jobs.store);
  } catch (error) {
    if (error instanceof JobNotFoundError) process.exitCode = fail(error.message, EXIT.usage);
    else if (error instanceof JobStatusError) process.exitCode = fail(error.message, EXIT.failed);
    else if (error instanceof Error) process.exitCode = fail(`${error.name}: ${error.message}`, EXIT.failed);
    else throw error;
  } finally {
    await jobs?.close();
  }
}

/** A job by id, or the newest job of an object key (`incoming/users.csv`, or just `users.csv`). */
async function findJob(store: JobStore | undefined, reference: string): Promise<Job> {
  if (store === undefined) throw new JobNotFoundError(reference);
  if (isJobId(reference)) {
    const job = await store.getJob(reference);
    if (job === undefined) throw new JobNotFoundError(reference);
    return job;
  }
  const jobs = await store.listJobs();
  const job = jobs.find(
    (candidate) => candidate.source.key === reference || candidate.source.key === `incoming/${reference}`,
  );
  if (job === undefined) throw new JobNotFoundError(reference);
  return job;
}

/**
 * `jobs [--json]`: the jobs of local runs (the state folder) or of a deployed stack, newest first. `--json`
 * prints `{"jobs": [...]}` as design.md specifies.
 */
export function jobsCommand(): Command {
  return withTableOptions(
    new Command("jobs")
      .description(
        "List the jobs of local runs (the state folder) or, with --stack/--table, of a deployed stack",
      )
      .option("--json", 'print {"jobs": [...]}, newest first'),
  ).action(async (options: JobsOptions) => {
    await withStore(options, async (store) => {
      const jobs = store === undefined ? [] : await store.listJobs();
      process.stdout.write(
        options.json ? `${JSON.stringify({ jobs: jobs.map(toJobJson) })}\n` : formatJobsTable(jobs),
      );
      return EXIT.ok;
    });
  });
}

/**
 * `status <job|key> [--json] [--watch]`: one job's status and counts; `--watch` follows it until it ends (a line
 * per change: applied of sent, rate; `--json` prints one object per change).
 */
export function statusCommand(): Command {
  return withTableOptions(
    new Command("status")
      .description(
        "Show one job (by id, or the newest job of an object key); --watch follows it until it ends",
      )
      .argument("<job>", "a job id (j-...) or an input object key")
      .option("--json", "print the job as one JSON object (with --watch, one per change)")
      .option("--watch", "follow the job until it ends")
      .option("--interval <seconds>", "seconds between readings with --watch", (value) => Number(value), 2),
  ).action(async (reference: string, options: StatusOptions) => {
    await withStore(options, async (store) => {
      let job = await findJob(store, reference);
      if (!options.watch) {
        process.stdout.write(
          options.json ? `${JSON.stringify(toJobJson(job))}\n` : formatJobStatus(job, Date.now()),
        );
        return EXIT.ok;
      }
      const view = options.json ? new JsonWatch() : new LineWatch();
      for (;;) {
        view.update(job);
        if (isFinished(job.status) && (job.finishedAt !== undefined || job.status === "failed")) break;
        await new Promise((done) => setTimeout(done, Math.max(0.1, options.interval) * 1000));
        job = (await store?.getJob(job.id)) ?? job;
      }
      view.stop();
      if (!options.json) process.stdout.write(formatJobStatus(job, Date.now()));
      return EXIT.ok;
    });
  });
}

/** `cancel <job>`: ingest stops sending, apply drops the job's records without calling Auth0. */
export function cancelCommand(): Command {
  return withTableOptions(
    new Command("cancel")
      .description("Cancel a job: ingest stops sending, apply drops its records without calling Auth0")
      .argument("<job>", "a job id (j-...) or an input object key")
      .option("--json", "print the cancelled job as JSON"),
  ).action(async (reference: string, options: JobsOptions) => {
    await withStore(options, async (store) => {
      const found = await findJob(store, reference);
      const job = (await store?.cancel(found.id)) ?? found;
      process.stdout.write(
        options.json
          ? `${JSON.stringify(toJobJson(job))}\n`
          : `Cancelled ${job.id}: ${job.applied} applied; ${job.pending} pending will be dropped without calling Auth0.\n`,
      );
      return EXIT.ok;
    });
  });
}

/** Settled users per second since the first reading, and the time left for what is pending. */
class Pace {
  #first: { at: number; settled: number } | undefined;

  public figures(job: Job): { rate: number; etaMs: number } {
    const settled = job.applied + job.failed + job.superseded + job.cancelled;
    const now = Date.now();
    this.#first ??= { at: now, settled };
    const seconds = (now - this.#first.at) / 1000;
    const rate = seconds > 0 ? (settled - this.#first.settled) / seconds : 0;
    return { rate, etaMs: rate > 0 ? (job.pending / rate) * 1000 : Number.NaN };
  }
}

interface Watch {
  update(job: Job): void;
  stop(): void;
}

class JsonWatch implements Watch {
  #last = "";

  public update(job: Job): void {
    const line = JSON.stringify(toJobJson(job));
    if (line !== this.#last) process.stdout.write(`${line}\n`);
    this.#last = line;
  }

  public stop(): void {}
}

class LineWatch implements Watch {
  readonly #pace = new Pace();

  public update(job: Job): void {
    const { rate, etaMs } = this.#pace.figures(job);
    process.stderr.write(
      `${job.status}: applied ${job.applied} of ${job.sent} sent, failed ${job.failed}, pending ${job.pending} | ${rate.toFixed(1)}/s | ETA ${formatDuration(etaMs)}\n`,
    );
  }

  public stop(): void {}
}
