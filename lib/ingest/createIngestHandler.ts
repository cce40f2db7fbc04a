import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event, ScheduledEvent, SQSEvent } from "aws-lambda";
import type { CountryCode } from "libphonenumber-js";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { IngestJob } from "../jobs/IngestJob.js";
import type { JobStore } from "../jobs/JobStore.js";
import type { Logger } from "../logging/Logger.js";
import type { IngestSummary } from "../reports/IngestSummary.js";
import type { CheckpointStore } from "./CheckpointStore.js";
import { type ContinuationMessage, parseContinuationMessage } from "./ContinuationMessage.js";
import { decodeS3Key } from "./decodeS3Key.js";
import {
  type IngestContinuation,
  type IngestObjectOptions,
  ingestObject,
  runIngest,
} from "./ingestObject.js";
import type { MaxRejected } from "./rejectionTolerance.js";
import { findStalledIngests, stalledIngestsEmf } from "./stalledIngests.js";
import type { PhoneCheck } from "./types.js";

/** The ingest handler's settings (the function reads them from its environment). */
export interface IngestHandlerConfig {
  /** `QUEUE_URL`: the work queue. */
  queueUrl: string;
  /** `REPORTS_PREFIX`: where reports go in the input's bucket. @default "reports/" */
  reportsPrefix: string;
  /** `DEFAULT_COUNTRY`: ISO 3166-1 alpha-2 country for national phone numbers. @default none */
  defaultCountry?: CountryCode;
  /** `SEND_CONCURRENCY`: SendMessageBatch calls in flight. @default 10 */
  sendConcurrency: number;
  /** `PHONE_CHECK`: `strict` or `e164`; a file's `phone-check` metadata wins. @default "strict" */
  phoneCheck?: PhoneCheck;
  /** `MAX_REJECTED`: a count or a percentage; a file's `max-rejected` metadata wins. @default no limit */
  maxRejected?: MaxRejected;
}

/**
 * Jobs and continuation (issues 10 and 14): every upload gets its job, and an ingest that runs out of time goes
 * on in the next invocation, started by a message on the control queue.
 */
export interface IngestJobsDeps {
  store: JobStore;
  checkpoints: CheckpointStore;
  /** `CONTROL_QUEUE_URL`: the queue whose messages start the next invocation of an ingest. */
  controlQueueUrl: string;
  /**
   * A checkpoint is cut when less time than this is left: by default a quarter of the invocation's time, at
   * most 60 s (what settling the sends in flight and writing a large pass-1 table of users take).
   */
  marginMs?: number;
  /** The function's timeout, for the stalled-ingest sweep. @default PIPELINE_DEFAULTS.ingestTimeoutSeconds */
  timeoutMs?: number;
  /** Where the sweep's EMF line goes. @default process.stdout */
  writeMetrics?: (line: string) => void;
  /** The function's name, the metric's dimension. @default "ingest" */
  functionName?: string;
}

/** What the ingest handler is built from. */
export interface IngestHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  config: IngestHandlerConfig;
  logger: Logger;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default no jobs: each object is ingested in the invocation its event starts (and must fit in it) */
  jobs?: IngestJobsDeps;
  /** Called as each file is read (the local runner's progress display). @default none */
  onReadProgress?: IngestObjectOptions["onReadProgress"];
}

/** The part of Lambda's context ingest uses. */
export interface IngestContext {
  getRemainingTimeInMillis(): number;
}

/**
 * The ingest Lambda: an S3 event starts the ingest of each object; a control-queue event continues one from its
 * checkpoint. One summary per object finished in this invocation, in order (none for an ingest handed over).
 */
export type IngestHandler = (
  event: S3Event | SQSEvent | ScheduledEvent,
  context?: IngestContext,
) => Promise<IngestSummary[]>;

/** The most time kept back to cut a checkpoint. */
const MAX_MARGIN_MS = 60_000;

/**
 * Builds the ingest handler: for each ObjectCreated record, ingests the object (see `ingestObject`). Objects
 * under the reports prefix are skipped, so a notification set too wide cannot make reports of reports, and so are
 * folder markers (keys ending in `/`, which the S3 console creates when a folder is made). A file-level
 * error of the input ends in its summary; any other error (S3 or SQS unusable) is thrown: the invocation fails,
 * and Lambda's on-failure destination records it with its event.
 *
 * @example
 * const handler = createIngestHandler({ s3, sqs, logger, config: readIngestConfig(process.env) });
 * const [summary] = await handler(s3Event);
 */
export function createIngestHandler(deps: IngestHandlerDeps): IngestHandler {
  const { config, logger } = deps;
  const options: IngestObjectOptions = {
    reportsPrefix: config.reportsPrefix,
    defaultCountry: config.defaultCountry,
    sendConcurrency: config.sendConcurrency,
    phoneCheck: config.phoneCheck,
    maxRejected: config.maxRejected,
    onReadProgress: deps.onReadProgress,
  };
  const jobDeps = (store: JobStore) => ({
    store,
    s3: deps.s3,
    reportsPrefix: config.reportsPrefix,
    ...(deps.now !== undefined ? { clock: () => (deps.now as () => Date)().getTime() } : {}),
  });

  /** How this invocation hands over: its remaining time, and the control queue for the next one. */
  const continuationFor = (jobs: IngestJobsDeps, context: IngestContext): IngestContinuation => {
    const total = context.getRemainingTimeInMillis();
    return {
      checkpoints: jobs.checkpoints,
      holder: randomUUID(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      marginMs: jobs.marginMs ?? Math.min(MAX_MARGIN_MS, Math.floor(total / 4)),
      next: async (message: ContinuationMessage) => {
        await deps.sqs.send(
          new SendMessageCommand({ QueueUrl: jobs.controlQueueUrl, MessageBody: JSON.stringify(message) }),
        );
      },
    };
  };

  /** A control-queue message: claim its checkpoint and go on from it (a duplicate claims nothing). */
  const continueFrom = async (body: string, jobs: IngestJobsDeps, context: IngestContext) => {
    const message = parseContinuationMessage(body);
    const continuation = continuationFor(jobs, context);
    const claim = await jobs.checkpoints.claim(
      message.jobId,
      message.seq,
      context.getRemainingTimeInMillis(),
      continuation.holder,
    );
    if (!claim.claimed) {
      logger.warn({ jobId: message.jobId, seq: message.seq, reason: claim.reason }, "continuation skipped");
      return undefined;
    }
    const { checkpoint } = claim;
    const job = IngestJob.resume(message.jobId, jobDeps(jobs.store), checkpoint.reserved);
    const outcome = await runIngest(
      { ...checkpoint.source, jobId: message.jobId },
      {
        s3: deps.s3,
        sqs: deps.sqs,
        queueUrl: config.queueUrl,
        logger,
        now: deps.now,
        job,
        continuation: { ...continuation, resume: checkpoint },
      },
      options,
    );
    return outcome.kind === "finished" ? outcome.summary : undefined;
  };

  return async (event, context) => {
    const summaries: IngestSummary[] = [];
    const jobs = deps.jobs;
    if (isScheduledEvent(event)) {
      // The stalled-ingest sweep (a schedule): a checkpoint nobody took up means a lost continuation.
      if (jobs === undefined) return summaries;
      const now = (deps.now ?? (() => new Date()))().getTime();
      const stalled = findStalledIngests(
        await jobs.store.listJobs(),
        now,
        jobs.timeoutMs ?? PIPELINE_DEFAULTS.ingestTimeoutSeconds * 1000,
      );
      for (const one of stalled)
        logger.error({ ...one }, "ingest stalled: its checkpoint was never taken up");
      const write = jobs.writeMetrics ?? ((line: string) => process.stdout.write(`${line}\n`));
      write(JSON.stringify(stalledIngestsEmf(stalled.length, now, jobs.functionName ?? "ingest")));
      return summaries;
    }
    if (isSqsEvent(event)) {
      if (jobs === undefined || context === undefined) {
        throw new Error("a continuation event needs the jobs table and the invocation's context");
      }
      for (const record of event.Records) {
        const summary = await continueFrom(record.body, jobs, context);
        if (summary !== undefined) summaries.push(summary);
      }
      return summaries;
    }
    // An S3 test event ("s3:TestEvent") has no Records.
    for (const record of (event as S3Event).Records ?? []) {
      const key = decodeS3Key(record.s3.object.key);
      const bucket = record.s3.bucket.name;
      if (config.reportsPrefix !== "" && key.startsWith(config.reportsPrefix)) {
        logger.warn({ bucket, key }, "skipped: the object is a report");
        continue;
      }
      // The notification covers every key under incoming/, so that unsupported names get a report; a folder
      // marker is no file anyone uploaded, and a report about it would only be noise.
      if (key.endsWith("/")) {
        logger.info({ bucket, key }, "skipped: the object is a folder marker");
        continue;
      }
      const { versionId, eTag, sequencer } = record.s3.object;
      const object = {
        bucket,
        key,
        ...(versionId ? { versionId } : {}),
        ...(eTag ? { etag: eTag } : {}),
      };
      if (jobs === undefined) {
        summaries.push(
          await ingestObject(
            object,
            { s3: deps.s3, sqs: deps.sqs, queueUrl: config.queueUrl, logger, now: deps.now },
            options,
          ),
        );
        continue;
      }
      const opened = await IngestJob.open(
        { bucket, key, ...(versionId ? { versionId } : {}), ...(sequencer ? { sequencer } : {}) },
        jobDeps(jobs.store),
      );
      if (!opened.created) {
        logger.warn(
          { bucket, key, jobId: opened.job.id },
          "skipped: this upload already has its job (a duplicate event)",
        );
        continue;
      }
      const outcome = await runIngest(
        { ...object, jobId: opened.job.id },
        {
          s3: deps.s3,
          sqs: deps.sqs,
          queueUrl: config.queueUrl,
          logger,
          now: deps.now,
          job: opened.job,
          ...(context !== undefined ? { continuation: continuationFor(jobs, context) } : {}),
        },
        options,
      );
      if (outcome.kind === "finished") summaries.push(outcome.summary);
    }
    return summaries;
  };
}

function isScheduledEvent(event: S3Event | SQSEvent | ScheduledEvent): event is ScheduledEvent {
  return (event as { source?: unknown }).source === "aws.events";
}

function isSqsEvent(event: S3Event | SQSEvent | ScheduledEvent): event is SQSEvent {
  const first = ((event as { Records?: unknown[] }).Records ?? [])[0] as { eventSource?: string } | undefined;
  return first?.eventSource === "aws:sqs";
}
