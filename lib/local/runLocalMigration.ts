import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { CircuitState } from "../apply/CircuitBreaker.js";
import { createApplyDeps } from "../apply/createApplyDeps.js";
import { createApplyHandler } from "../apply/createApplyHandler.js";
import type { ApplyOutcomeEvent } from "../apply/types.js";
import { toAuth0Endpoint } from "../auth0/Auth0Endpoint.js";
import { TokenProvider } from "../auth0/TokenProvider.js";
import { INCOMING_PREFIX, PIPELINE_DEFAULTS, REPORTS_PREFIX } from "../config/defaults.js";
import { createIngestHandler, type IngestContext } from "../ingest/createIngestHandler.js";
import { ALLOW_CLEAR_METADATA, SYNC_METADATA } from "../ingest/ingestObject.js";
import { ApplyJobs } from "../jobs/ApplyJobs.js";
import { completionReport, failuresCsv, finishJob } from "../jobs/completionReport.js";
import { countProblems } from "../jobs/countProblems.js";
import { DynamoCheckpointStore } from "../jobs/DynamoCheckpointStore.js";
import { DynamoJobStore } from "../jobs/DynamoJobStore.js";
import { jobIdFor } from "../jobs/jobId.js";
import { createLogger, type Logger } from "../logging/Logger.js";
import type { IngestSummary } from "../reports/IngestSummary.js";
import { reportKeys } from "../reports/reportKeys.js";
import { auth0HoldOf } from "./auth0Hold.js";
import { LocalRunError } from "./errors.js";
import { type LocalAws, startLocalAws } from "./LocalAws.js";
import { forecastLocalFile, openLocalSync } from "./localSync.js";
import { objectCreatedEvent } from "./objectCreatedEvent.js";
import { queueDepth } from "./queueDepth.js";
import { SqsEventSource } from "./SqsEventSource.js";
import { TenantRateObserver } from "./TenantRateObserver.js";
import type {
  Auth0Hold,
  LocalMigrationOptions,
  LocalMigrationSummary,
  MigrationPhase,
  MigrationProgress,
} from "./types.js";

/** The local control queue: its messages start the next invocation of an ingest that ran out of time. */
const LOCAL_CONTROL_QUEUE = "factor-sync-ingest-control";

/**
 * Runs the whole pipeline on this machine, as it runs on AWS: fauxqs and dynalite in-process (S3, the work queue
 * and DLQ with the stack's settings, the jobs table in `stateDir`), the file uploaded under `incoming/`
 * (multipart), the real ingest handler on the S3 ObjectCreated event (it creates the run's job), the real apply
 * handler driven by {@link SqsEventSource} (one handler instance per poller, like Lambda containers) against
 * `target`; then every report of the job (rejects, summary, unsent, and the completion report and failures
 * that the job's last writer put next to the input) copied to `reportsDir`.
 *
 * The counts are the job's (exact: each user counted once, however often its record was delivered), checked
 * against the work queue: `accounted` says they add up and that the job's pending users are what is still
 * queued. On `signal` (Ctrl-C), no new batch starts, the running ones finish, and the summary says what was
 * and was not applied; the completion report then shows the job as it stands.
 *
 * @throws {@link LocalRunError} when the target's credentials are refused or the file cannot be read; S3/SQS
 *   errors of the emulator as they are.
 * @example
 * const summary = await runLocalMigration({ file: "samples/sample.csv", target: { domain: sim.url,
 *   clientId: sim.clientId, clientSecret: sim.clientSecret } });
 * console.log(summary.applied, summary.reports.failures);
 */
export async function runLocalMigration(options: LocalMigrationOptions): Promise<LocalMigrationSummary> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const runId = options.runId ?? new Date(startedAt).toISOString().replace(/[:.]/g, "-");
  const reportsDir = resolve(options.reportsDir ?? join("factor-sync-reports", runId));
  const maxConcurrency = options.maxConcurrency ?? PIPELINE_DEFAULTS.maxConcurrency;
  const maxReceiveCount = options.maxReceiveCount ?? PIPELINE_DEFAULTS.maxReceiveCount;
  const endpoint = toAuth0Endpoint(options.target.domain);
  const fileSize = await fileSizeOf(options.file);
  const key = `${INCOMING_PREFIX}${basename(options.file)}`;

  const credentials = { clientId: options.target.clientId, clientSecret: options.target.clientSecret };
  // Fixed credentials that are refused stop the run before anything starts; re-readable ones pause it.
  const { loadCredentials } = options.target;
  if (loadCredentials === undefined) await checkCredentials(endpoint, credentials, options.fetch);
  const rateObserver = new TenantRateObserver(clock);
  const applyFetch = rateObserver.wrap(options.fetch ?? globalThis.fetch);

  await mkdir(reportsDir, { recursive: true });
  const ownLog = options.logger === undefined ? createWriteStream(join(reportsDir, "run.log")) : undefined;
  const logger: Logger = options.logger ?? createLogger({ destination: ownLog, base: { run: runId } });

  const progress: MigrationProgress = {
    phase: "starting",
    read: { lines: 0, users: 0, bytes: 0 },
    rejected: 0,
    applied: 0,
    failed: 0,
    retries: 0,
    throttled: 0,
    elapsedMs: 0,
  };
  // Each worker's circuit; the progress shows the one open longest while any is open.
  const circuits = new Map<number, Auth0Hold>();
  const onCircuitChange = (worker: number, state: CircuitState) => {
    const hold = auth0HoldOf(state);
    if (hold) circuits.set(worker, hold);
    else circuits.delete(worker);
    const holds = [...circuits.values()].sort((a, b) => a.sinceMs - b.sinceMs);
    const configuration = holds.find((candidate) => candidate.reason === "configuration");
    const shown = configuration ?? holds[0];
    if (shown) progress.auth0 = shown;
    else delete progress.auth0;
    report();
  };
  const report = (phase?: MigrationPhase) => {
    if (phase) progress.phase = phase;
    progress.elapsedMs = clock() - startedAt;
    const observed = rateObserver.observed;
    if (observed) progress.tenantRateLimit = observed;
    options.onProgress?.({ ...progress });
  };
  report();

  // Applied users are counted once each, whatever redeliveries did: the file names a user once.
  const appliedUsers = new Set<string>();
  const onOutcome = (event: ApplyOutcomeEvent) => {
    if (event.kind === "applied") {
      appliedUsers.add(event.userId);
      progress.applied = appliedUsers.size;
    } else if (event.kind === "failed") progress.failed += 1;
    else if (event.kind === "retry") progress.retries += 1;
    else if (event.kind === "throttled") progress.throttled += 1;
    report();
  };

  let aws: LocalAws | undefined;
  try {
    aws = await startLocalAws({
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount,
      stateDir: options.stateDir,
    });
    const local = aws;
    const store = new DynamoJobStore({ client: local.jobs.client, tableName: local.jobs.tableName, clock });
    // The sync state lives in the same table: what this tool applied, per tenant and user (issue 11).
    const sync = await openLocalSync(local.jobs, options.target, { clock });
    if (options.onForecast !== undefined && !options.full) {
      options.onForecast(
        await forecastLocalFile(options.file, sync.ingest, {
          allowClear: options.allowClear,
          defaultCountry: options.defaultCountry,
          ...(options.phoneCheck ? { phoneCheck: options.phoneCheck } : {}),
        }),
      );
    }
    const metadata: Record<string, string> = {
      ...(options.allowClear ? { [ALLOW_CLEAR_METADATA]: "true" } : {}),
      ...(options.full ? { [SYNC_METADATA]: "full" } : {}),
    };
    const upload = await new Upload({
      client: local.s3,
      params: {
        Bucket: local.bucket,
        Key: key,
        Body: createReadStream(options.file),
        ...(Object.keys(metadata).length > 0 ? { Metadata: metadata } : {}),
      },
    }).done();

    const source = new SqsEventSource({
      sqs: local.sqs,
      queueUrl: local.workQueue.url,
      queueArn: local.workQueue.arn,
      batchSize: options.batchSize,
      maxBatchingWindowSeconds: options.maxBatchingWindowSeconds,
      maxConcurrency,
      functionTimeoutSeconds: options.applyTimeoutSeconds,
      logger,
      // One "container" per poller: its own token cache and pacer, as on Lambda.
      createHandler: (worker) => {
        const deps = createApplyDeps(
          {
            auth0Domain: options.target.domain,
            credentials: loadCredentials ?? credentials,
            ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
            onCircuitChange: (state) => onCircuitChange(worker, state),
            dlqUrl: local.dlq.url,
            rpsCeiling: options.rpsCeiling,
            budgetShare: options.budgetShare,
            maxConcurrency,
            applyConcurrency: options.applyConcurrency,
            maxReceiveCount,
            fetch: applyFetch,
          },
          { sqs: local.sqs, logger },
        );
        return createApplyHandler({
          ...deps,
          options: { ...deps.options, ...options.applyOptions },
          onOutcome,
          jobs: new ApplyJobs({ store, s3: local.s3, logger, clock }),
          sync: sync.createApplySync(logger),
        });
      },
    });
    const stop = () => {
      report("stopping");
      void source.stop();
    };
    options.signal?.addEventListener("abort", stop, { once: true });
    if (options.signal?.aborted) stop();

    // Ingest as on AWS: a job per upload, a function timeout, and continuations through a control queue.
    const ingestTimeoutMs = (options.ingestTimeoutSeconds ?? PIPELINE_DEFAULTS.ingestTimeoutSeconds) * 1000;
    const controlQueue = await local.createQueue(LOCAL_CONTROL_QUEUE, {
      VisibilityTimeout: String(Math.ceil((ingestTimeoutMs / 1000) * 6)),
    });
    const ingestHandler = createIngestHandler({
      s3: local.s3,
      sqs: local.sqs,
      logger,
      sync: sync.ingest,
      onReadProgress: (read) => {
        progress.read = { lines: read.lines, users: read.users, bytes: read.bytes };
        report();
      },
      config: {
        queueUrl: local.workQueue.url,
        reportsPrefix: REPORTS_PREFIX,
        ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
        sendConcurrency: options.sendConcurrency ?? PIPELINE_DEFAULTS.sendConcurrency,
        ...(options.phoneCheck ? { phoneCheck: options.phoneCheck } : {}),
        ...(options.maxRejected ? { maxRejected: options.maxRejected } : {}),
      },
      jobs: {
        store,
        rpsCeiling: options.rpsCeiling ?? PIPELINE_DEFAULTS.rpsCeiling,
        clock,
        continuation: {
          checkpoints: new DynamoCheckpointStore({
            client: local.jobs.client,
            tableName: local.jobs.tableName,
            clock,
          }),
          controlQueueUrl: controlQueue.url,
          timeoutMs: ingestTimeoutMs,
        },
      },
    });
    let ingestDone: (summary: IngestSummary) => void = () => {};
    const ingestFinished = new Promise<IngestSummary>((done) => {
      ingestDone = done;
    });
    const continuations = new SqsEventSource({
      sqs: local.sqs,
      queueUrl: controlQueue.url,
      queueArn: controlQueue.arn,
      batchSize: 1,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 2,
      functionTimeoutSeconds: ingestTimeoutMs / 1000,
      functionName: "ingest",
      logger,
      handler: async (event, context) => {
        const summaries = await ingestHandler(event, options.ingestContext?.() ?? context);
        if (summaries[0] !== undefined) ingestDone(summaries[0]);
        return {};
      },
    });

    let ingest: IngestSummary;
    let jobId: string;
    try {
      // Apply starts while ingest still sends, as on AWS.
      report("ingesting");
      source.start();
      continuations.start();
      const deadline = clock() + ingestTimeoutMs;
      const context: IngestContext = options.ingestContext?.() ?? {
        getRemainingTimeInMillis: () => Math.max(0, deadline - clock()),
      };
      const event = objectCreatedEvent({
        bucket: local.bucket,
        key,
        size: fileSize,
        eTag: upload.ETag?.replaceAll('"', ""),
        versionId: upload.VersionId,
      });
      const object = event.Records[0]?.s3.object;
      jobId = jobIdFor({
        bucket: local.bucket,
        key,
        ...(object?.versionId ? { versionId: object.versionId } : { sequencer: object?.sequencer }),
      });
      progress.jobId = jobId;
      report();
      const summaries = await ingestHandler(event, context);
      const first = summaries[0] ?? (await ingestFinished);
      await continuations.stop();
      if (first === undefined) throw new LocalRunError(`the ingest handler did not read ${key}`);
      ingest = first;
      progress.users = ingest.users;
      progress.sent = ingest.sent;
      progress.rejected = ingest.rejected;
      report(options.signal?.aborted ? "stopping" : "applying");
      // A line now and then while nothing else changes (records held through an incident or a pause).
      const ticker = setInterval(() => report(), 5_000);
      ticker.unref();
      try {
        await source.finishWhenDrained();
      } finally {
        clearInterval(ticker);
      }
    } catch (error) {
      await source.stop().catch(() => {});
      await continuations.stop().catch(() => {});
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", stop);
    }
    report("reporting");
    // Still in the work queue: visible, in flight or delayed.
    const depth = await queueDepth(local.sqs, local.workQueue.url);
    const queued = depth.visible + depth.inFlight + depth.delayed;
    // Apply (or ingest) finished the job when its last user was counted; this only finds nothing to do.
    await finishJob(jobId, { store, s3: local.s3, clock });
    const job = await store.getJob(jobId);
    if (job === undefined)
      throw new LocalRunError(`the job ${jobId} of ${key} is missing from the jobs table`);
    const copied = await copyReports(
      local,
      [
        job.reports.rejects,
        job.reports.summary,
        job.reports.unsent,
        job.reports.result,
        job.reports.failures,
      ],
      reportsDir,
    );
    const keys = reportKeys(key, REPORTS_PREFIX);
    // A run stopped early has no completion report yet: write the job as it stands.
    const resultFile = copied[3] ?? join(reportsDir, basename(keys.result));
    const failuresFile = copied[4] ?? join(reportsDir, basename(keys.failures));
    if (copied[3] === undefined) {
      await writeFile(resultFile, `${JSON.stringify(completionReport(job), null, 2)}\n`);
    }
    if (copied[4] === undefined) {
      await writeFile(failuresFile, failuresCsv(job, await store.listOutcomes(jobId, "failed")));
    }

    // Valid users of a file stopped as a whole (file error, over max-rejected) were never sent.
    const withheld =
      ingest.fileError !== undefined || ingest.tooManyRejected !== undefined
        ? ingest.valid - ingest.unchanged - ingest.sent - ingest.failedToSend
        : 0;
    const durationMs = clock() - startedAt;
    const summary: LocalMigrationSummary = {
      runId,
      jobId,
      status: job.status,
      file: options.file,
      key,
      users: job.users,
      applied: job.applied,
      rejected: job.rejected,
      unchanged: job.unchanged,
      superseded: job.superseded,
      cancelled: job.cancelled,
      failed: job.failed,
      // SQS refused them; the job counts the withheld ones as not sent too.
      failedToSend: ingest.failedToSend,
      withheld,
      pending: job.pending,
      // The job's counts, checked against what is really left in the queue.
      accounted: countProblems(job).length === 0 && job.pending === queued,
      interrupted: options.signal?.aborted ?? false,
      durationMs,
      ...(ingest.fileError ? { fileError: ingest.fileError } : {}),
      ingestInvocations: job.ingestInvocations,
      ...(ingest.tooManyRejected ? { tooManyRejected: ingest.tooManyRejected } : {}),
      reports: {
        dir: reportsDir,
        ...(copied[0] ? { rejects: copied[0] } : {}),
        ...(copied[1] ? { summary: copied[1] } : {}),
        failures: failuresFile,
        ...(copied[2] ? { unsent: copied[2] } : {}),
        result: resultFile,
        run: join(reportsDir, `${basename(key)}.run.json`),
        ...(ownLog ? { log: join(reportsDir, "run.log") } : {}),
      },
    };
    if (summary.reports.summary) await localiseIngestSummary(summary.reports.summary, summary);
    await writeFile(summary.reports.run, `${JSON.stringify(summary, null, 2)}\n`);
    logger.info(
      {
        jobId,
        status: summary.status,
        users: summary.users,
        applied: summary.applied,
        rejected: summary.rejected,
        failed: summary.failed,
        failedToSend: summary.failedToSend,
        unchanged: summary.unchanged,
        superseded: summary.superseded,
        cancelled: summary.cancelled,
        pending: summary.pending,
        queued,
        accounted: summary.accounted,
        durationMs,
      },
      "local run done",
    );
    progress.applied = summary.applied;
    progress.failed = summary.failed;
    report("done");
    return summary;
  } finally {
    await aws?.stop();
    if (ownLog) {
      ownLog.end();
      await finished(ownLog).catch(() => {});
    }
  }
}

async function fileSizeOf(file: string): Promise<number> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new LocalRunError(`${file} is not a file`);
    return stats.size;
  } catch (error) {
    if (error instanceof LocalRunError) throw error;
    throw new LocalRunError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Fails fast, with Auth0's answer, when the tenant refuses the credentials (rather than a DLQ full of 401s). */
async function checkCredentials(
  endpoint: ReturnType<typeof toAuth0Endpoint>,
  credentials: { clientId: string; clientSecret: string },
  fetchImpl: typeof fetch | undefined,
): Promise<void> {
  try {
    await new TokenProvider({ endpoint, credentials, fetch: fetchImpl }).getToken();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new LocalRunError(`could not get a Management API token from ${endpoint.baseUrl}: ${detail}`);
  }
}

/**
 * The ingest summary names the emulator's S3 keys, which do not exist on this machine: its local copy names
 * the input file and the local reports instead.
 */
async function localiseIngestSummary(path: string, run: LocalMigrationSummary): Promise<void> {
  const summary = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  const { rejects, unsent, summary: self, failures, result } = run.reports;
  const local = {
    ...summary,
    source: { file: resolve(run.file) },
    reports: {
      ...(rejects ? { rejects } : {}),
      ...(unsent ? { unsent } : {}),
      failures,
      ...(result ? { result } : {}),
      ...(self ? { summary: self } : {}),
    },
  };
  await writeFile(path, `${JSON.stringify(local, null, 2)}\n`);
}

/** Downloads each report that exists into `dir`; returns the local paths, undefined where there was none. */
async function copyReports(
  aws: LocalAws,
  keys: (string | undefined)[],
  dir: string,
): Promise<(string | undefined)[]> {
  const copied: (string | undefined)[] = [];
  for (const key of keys) {
    if (key === undefined) {
      copied.push(undefined);
      continue;
    }
    try {
      const object = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
      const path = join(dir, basename(key));
      await writeFile(path, await (object.Body?.transformToByteArray() ?? new Uint8Array()));
      copied.push(path);
    } catch (error) {
      if (error instanceof Error && error.name === "NoSuchKey") copied.push(undefined);
      else throw error;
    }
  }
  return copied;
}
