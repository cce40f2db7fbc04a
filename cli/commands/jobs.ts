import { Command } from "commander";
import { isFinished } from "../../lib/jobs/DynamoJobStore.js";
import { JobNotFoundError, JobStatusError } from "../../lib/jobs/errors.js";
import type { JobStore } from "../../lib/jobs/JobStore.js";
import { isJobId } from "../../lib/jobs/jobId.js";
import { toJobJson } from "../../lib/jobs/jobJson.js";
import type { Job } from "../../lib/jobs/types.js";
import { CommandOutput } from "../CommandOutput.js";
import { CliError } from "../errors.js";
import { EXIT } from "../exitCodes.js";
import { formatDuration } from "../format.js";
import { formatJobStatus, formatJobsTable } from "../jobsReport.js";
import { type JobsTableOptions, jobsTableOptions, openJobs } from "../jobsTable.js";

interface JobsOptions extends JobsTableOptions {
  json?: boolean;
}

interface StatusOptions extends JobsOptions {
  watch?: boolean;
  interval: number;
}

function withTableOptions(command: Command): Command {
  for (const option of jobsTableOptions()) command.addOption(option);
  return command;
}

/**
 * Runs `action` on the chosen table. An unknown job is a usage error (exit 2), a job in the wrong status exit 1;
 * each is one line on stderr and, with `--json`, a JSON error object on stdout, as every command's errors are.
 */
async function withStore(
  options: JobsOptions,
  action: (store: JobStore | undefined, output: CommandOutput) => Promise<number>,
): Promise<void> {
  const output = new CommandOutput(options.json === true);
  let jobs: Awaited<ReturnType<typeof openJobs>> | undefined;
  try {
    jobs = await openJobs(options);
    process.exitCode = await action(jobs.store, output);
  } catch (error) {
    if (error instanceof JobNotFoundError) {
      process.exitCode = output.fail(new CliError(error.message, { fields: { job: error.reference } }));
    } else if (error instanceof JobStatusError) {
      process.exitCode = output.fail(
        new CliError(error.message, {
          exitCode: EXIT.notAllApplied,
          fields: { job: error.jobId, status: error.status },
        }),
      );
    } else process.exitCode = output.fail(error);
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
    await withStore(options, async (store, output) => {
      const jobs = store === undefined ? [] : await store.listJobs();
      output.result({ jobs: jobs.map(toJobJson) }, formatJobsTable(jobs));
      return EXIT.ok;
    });
  });
}

/**
 * `status <job|key> [--json] [--watch]`: one job's status and counts; `--watch` follows it until it ends (a bar
 * on a terminal: applied of sent, rate, ETA; `--json` prints one object per change).
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
    await withStore(options, async (store, output) => {
      let job = await findJob(store, reference);
      if (!options.watch) {
        output.result({ ...toJobJson(job) }, formatJobStatus(job, Date.now()));
        return EXIT.ok;
      }
      const view = options.json ? new JsonWatch() : process.stderr.isTTY ? new BarWatch() : new LineWatch();
      for (;;) {
        view.update(job);
        if (isFinished(job.status) && (job.finishedAt !== undefined || job.status === "failed")) break;
        await new Promise((done) => setTimeout(done, Math.max(0.1, options.interval) * 1000));
        job = (await store?.getJob(job.id)) ?? job;
      }
      view.stop();
      if (!options.json) output.say(formatJobStatus(job, Date.now()));
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
    await withStore(options, async (store, output) => {
      const found = await findJob(store, reference);
      const job = (await store?.cancel(found.id)) ?? found;
      output.result(
        { ...toJobJson(job) },
        `Cancelled ${job.id}: ${job.applied} applied; ${job.pending} pending will be dropped without calling Auth0.\n`,
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

function progressLine(job: Job, pace: Pace): string {
  const { rate, etaMs } = pace.figures(job);
  return `${job.status}: applied ${job.applied} of ${job.sent} sent, failed ${job.failed}, pending ${job.pending} | ${rate.toFixed(1)}/s | ETA ${formatDuration(etaMs)}`;
}

class LineWatch implements Watch {
  readonly #pace = new Pace();

  public update(job: Job): void {
    process.stderr.write(`${progressLine(job, this.#pace)}\n`);
  }

  public stop(): void {}
}

/** One line redrawn in place on a terminal: a bar of applied of sent, then the figures. */
class BarWatch implements Watch {
  readonly #pace = new Pace();

  public update(job: Job): void {
    const width = 20;
    const done = job.sent > 0 ? Math.min(width, Math.round((job.applied / job.sent) * width)) : 0;
    const bar = `${"█".repeat(done)}${"░".repeat(width - done)}`;
    process.stderr.write(`\r${bar} ${progressLine(job, this.#pace)}\x1b[K`);
  }

  public stop(): void {
    process.stderr.write("\n");
  }
}
