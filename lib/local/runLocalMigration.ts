import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createApplyDeps } from "../apply/createApplyDeps.js";
import { createApplyHandler } from "../apply/createApplyHandler.js";
import type { ApplyOutcomeEvent } from "../apply/types.js";
import { toAuth0Endpoint } from "../auth0/Auth0Endpoint.js";
import { TokenProvider } from "../auth0/TokenProvider.js";
import { INCOMING_PREFIX, PIPELINE_DEFAULTS, REPORTS_PREFIX } from "../config/defaults.js";
import { exportDeadLetters } from "../dlq/exportDeadLetters.js";
import { createIngestHandler } from "../ingest/createIngestHandler.js";
import { createLogger, type Logger } from "../logging/Logger.js";
import type { IngestSummary } from "../reports/IngestSummary.js";
import { reportKeys } from "../reports/reportKeys.js";
import { LocalRunError } from "./errors.js";
import { type LocalAws, startLocalAws } from "./LocalAws.js";
import { objectCreatedEvent } from "./objectCreatedEvent.js";
import { queueDepth } from "./queueDepth.js";
import { SqsEventSource } from "./SqsEventSource.js";
import type {
  LocalMigrationOptions,
  LocalMigrationSummary,
  MigrationPhase,
  MigrationProgress,
} from "./types.js";

/**
 * Runs the whole pipeline on this machine, as it runs on AWS: fauxqs in-process (S3, and the work queue and DLQ
 * with the stack's settings), the file uploaded under `incoming/` (multipart), the real ingest handler on the
 * S3 ObjectCreated event, the real apply handler driven by {@link SqsEventSource} (one handler instance per
 * poller, like Lambda containers) against `target`; then the DLQ exported to `reports/<key>.failures.csv`
 * and every report copied to `reportsDir`.
 *
 * The counts come from what happened, not estimates: rejected and failed-to-send from the ingest summary,
 * applied from the apply handler's outcomes (distinct users), failed from the DLQ (distinct users), pending
 * from the work queue after the run. On `signal` (Ctrl-C), no new batch starts, the running ones finish, and
 * the summary says what was and was not applied.
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
  await checkCredentials(endpoint, credentials, options.fetch);

  await mkdir(reportsDir, { recursive: true });
  const ownLog = options.logger === undefined ? createWriteStream(join(reportsDir, "run.log")) : undefined;
  const logger: Logger = options.logger ?? createLogger({ destination: ownLog, base: { run: runId } });

  const progress: MigrationProgress = {
    phase: "starting",
    rejected: 0,
    applied: 0,
    failed: 0,
    retries: 0,
    throttled: 0,
    elapsedMs: 0,
  };
  const report = (phase?: MigrationPhase) => {
    if (phase) progress.phase = phase;
    progress.elapsedMs = clock() - startedAt;
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
    else progress.throttled += 1;
    report();
  };

  let aws: LocalAws | undefined;
  try {
    aws = await startLocalAws({
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount,
    });
    const local = aws;
    const upload = await new Upload({
      client: local.s3,
      params: {
        Bucket: local.bucket,
        Key: key,
        Body: createReadStream(options.file),
        ...(options.allowClear ? { Metadata: { "allow-clear": "true" } } : {}),
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
      createHandler: () => {
        const deps = createApplyDeps(
          {
            auth0Domain: options.target.domain,
            credentials,
            dlqUrl: local.dlq.url,
            rpsCeiling: options.rpsCeiling,
            budgetShare: options.budgetShare,
            maxConcurrency,
            applyConcurrency: options.applyConcurrency,
            maxReceiveCount,
            fetch: options.fetch,
          },
          { sqs: local.sqs, logger },
        );
        return createApplyHandler({
          ...deps,
          options: { ...deps.options, ...options.applyOptions },
          onOutcome,
        });
      },
    });
    const stop = () => {
      report("stopping");
      void source.stop();
    };
    options.signal?.addEventListener("abort", stop, { once: true });
    if (options.signal?.aborted) stop();

    let ingest: IngestSummary;
    try {
      // Apply starts while ingest still sends, as on AWS.
      report("ingesting");
      source.start();
      const handler = createIngestHandler({
        s3: local.s3,
        sqs: local.sqs,
        logger,
        config: {
          queueUrl: local.workQueue.url,
          reportsPrefix: REPORTS_PREFIX,
          ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
          sendConcurrency: options.sendConcurrency ?? PIPELINE_DEFAULTS.sendConcurrency,
        },
      });
      const summaries = await handler(
        objectCreatedEvent({
          bucket: local.bucket,
          key,
          size: fileSize,
          eTag: upload.ETag?.replaceAll('"', ""),
          versionId: upload.VersionId,
        }),
      );
      const first = summaries[0];
      if (first === undefined) throw new LocalRunError(`the ingest handler did not read ${key}`);
      ingest = first;
      progress.users = ingest.users;
      progress.sent = ingest.sent;
      progress.rejected = ingest.rejected;
      report(options.signal?.aborted ? "stopping" : "applying");
      await source.finishWhenDrained();
    } catch (error) {
      await source.stop().catch(() => {});
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", stop);
    }

    report("reporting");
    // Still in the work queue: visible, in flight or delayed.
    const depth = await queueDepth(local.sqs, local.workQueue.url);
    const pending = depth.visible + depth.inFlight + depth.delayed;
    const keys = reportKeys(key, REPORTS_PREFIX);
    const failuresFile = join(reportsDir, basename(keys.rejects).replace(/\.rejects\.csv$/, ".failures.csv"));
    const failedUsers = await exportFailures(local, failuresFile, appliedUsers, logger);
    await uploadFile(
      local.s3,
      local.bucket,
      keys.rejects.replace(/\.rejects\.csv$/, ".failures.csv"),
      failuresFile,
    );
    const copied = await copyReports(
      local,
      [ingest.reports.rejects, ingest.reports.summary, ingest.reports.unsent],
      reportsDir,
    );

    const applied = appliedUsers.size;
    const failed = failedUsers;
    const counted = applied + ingest.rejected + failed + ingest.failedToSend + pending;
    const durationMs = clock() - startedAt;
    const summary: LocalMigrationSummary = {
      runId,
      file: options.file,
      key,
      users: ingest.users,
      applied,
      rejected: ingest.rejected,
      failed,
      failedToSend: ingest.failedToSend,
      pending,
      accounted: counted === ingest.users,
      interrupted: options.signal?.aborted ?? false,
      durationMs,
      ...(ingest.fileError ? { fileError: ingest.fileError } : {}),
      reports: {
        dir: reportsDir,
        ...(copied[0] ? { rejects: copied[0] } : {}),
        ...(copied[1] ? { summary: copied[1] } : {}),
        failures: failuresFile,
        ...(copied[2] ? { unsent: copied[2] } : {}),
        run: join(reportsDir, `${basename(key)}.run.json`),
        ...(ownLog ? { log: join(reportsDir, "run.log") } : {}),
      },
    };
    await writeFile(summary.reports.run, `${JSON.stringify(summary, null, 2)}\n`);
    logger.info(
      {
        users: summary.users,
        applied,
        rejected: summary.rejected,
        failed,
        failedToSend: summary.failedToSend,
        pending,
        accounted: summary.accounted,
        durationMs,
      },
      "local run done",
    );
    progress.failed = failed;
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
 * Writes the DLQ as the failures CSV and returns the distinct failed users (by user id, or message id when the
 * body named nobody), leaving out any user that was also applied (a redelivered duplicate).
 */
async function exportFailures(
  aws: LocalAws,
  file: string,
  applied: ReadonlySet<string>,
  logger: Logger,
): Promise<number> {
  const out = createWriteStream(file);
  const failed = new Set<string>();
  await exportDeadLetters(aws.sqs, aws.dlq.url, out, {
    // fauxqs answers exactly: one empty short poll means the queue was read.
    waitTimeSeconds: 0,
    emptyReceivesToStop: 1,
    logger,
    onFailedUser: (user) => {
      const id = user.userId || `message:${user.messageId}`;
      if (!applied.has(id)) failed.add(id);
    },
  });
  out.end();
  await finished(out);
  return failed.size;
}

async function uploadFile(s3: S3Client, bucket: string, key: string, file: string): Promise<void> {
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
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
