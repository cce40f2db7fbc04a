import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, S3Event, ScheduledEvent, SQSEvent } from "aws-lambda";
import type { CountryCode } from "libphonenumber-js";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import { IngestJob } from "../jobs/IngestJob.js";
import type { JobStore } from "../jobs/JobStore.js";
import { childLogger } from "../logging/childLogger.js";
import type { Logger } from "../logging/Logger.js";
import { METRIC } from "../metrics/names.js";
import { recordIngestSummary } from "../metrics/recordIngestSummary.js";
import { silentMetrics } from "../metrics/silentMetrics.js";
import type { InvocationMetrics } from "../metrics/types.js";
import type { IngestSummary } from "../reports/IngestSummary.js";
import type { CheckpointStore } from "./CheckpointStore.js";
import { type ContinuationMessage, parseContinuationMessage } from "./ContinuationMessage.js";
import { decodeS3Key } from "./decodeS3Key.js";
import { CheckpointStateError } from "./errors.js";
import {
  type IngestContinuation,
  type IngestObjectOptions,
  type IngestSync,
  ingestObject,
  runIngest,
} from "./ingestObject.js";
import type { MaxRejected } from "./rejectionTolerance.js";
import { findStalledIngests } from "./stalledIngests.js";
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
 * How an ingest that runs out of time goes on (issue 14): it saves a checkpoint in its job and sends a message to
 * the control queue, whose event starts the next invocation.
 */
export interface IngestContinuationDeps {
  /** The job item's checkpoint (lib/jobs/DynamoCheckpointStore.ts). */
  checkpoints: CheckpointStore;
  /** `CONTROL_QUEUE_URL`: the queue whose messages start the next invocation of an ingest. */
  controlQueueUrl: string;
  /**
   * A checkpoint is cut when less time than this is left: by default a quarter of the invocation's time, at
   * most 60 s (what settling the sends in flight and writing a large pass-1 table of users take).
   */
  marginMs?: number;
  /** The function's timeout, for the stalled-ingest sweep. @default PIPELINE_DEFAULTS.ingestTimeoutSeconds * 1000 */
  timeoutMs?: number;
}

/**
 * The jobs table (issue 10): every upload becomes a job (a duplicate S3 event finds its job and does nothing),
 * and `rpsCeiling`, the apply fleet's ceiling, goes into it for the completion report.
 */
export interface IngestJobsDeps {
  store: JobStore;
  rpsCeiling?: number;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** @default none: each object is ingested in the invocation its event starts (and must fit in it) */
  continuation?: IngestContinuationDeps;
}

/** What the ingest handler is built from. */
export interface IngestHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  config: IngestHandlerConfig;
  logger: Logger;
  /** @default none (no jobs, no continuation) */
  jobs?: IngestJobsDeps;
  /** @default () => new Date() */
  now?: () => Date;
  /** The sync state: unchanged users are not sent (issue 11). @default none */
  sync?: IngestSync;
  /**
   * Users ingested, rejected and sent of each file, and the sweep's stalled ingests, flushed at the end of each
   * invocation. @default silentMetrics
   */
  metrics?: InvocationMetrics;
  /** Called as each file is read (the local runner's progress display). @default none */
  onReadProgress?: IngestObjectOptions["onReadProgress"];
}

/**
 * What the ingest handler reads of Lambda's context: the request id (its log lines and metrics) and the time
 * left (when to cut a checkpoint; without it an ingest never hands over).
 */
export type IngestContext = Partial<Pick<Context, "awsRequestId" | "getRemainingTimeInMillis">>;

/**
 * The ingest Lambda: an S3 event starts the ingest of each object; a control-queue event continues one from its
 * checkpoint; a scheduled event sweeps for stalled ingests. One summary per object finished in this invocation,
 * in order (none for an ingest handed over).
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
 * and Lambda's on-failure destination records it with its event. Each invocation logs through a child logger
 * that carries its request id, and ends with one metrics flush (users ingested, rejected, sent, not sent).
 *
 * @example
 * const handler = createIngestHandler({ s3, sqs, logger, config: readIngestConfig(process.env) });
 * const [summary] = await handler(s3Event);
 */
export function createIngestHandler(deps: IngestHandlerDeps): IngestHandler {
  const { config } = deps;
  const metrics = deps.metrics ?? silentMetrics;
  const options: IngestObjectOptions = {
    reportsPrefix: config.reportsPrefix,
    defaultCountry: config.defaultCountry,
    sendConcurrency: config.sendConcurrency,
    phoneCheck: config.phoneCheck,
    maxRejected: config.maxRejected,
    onReadProgress: deps.onReadProgress,
  };
  const jobDeps = (jobs: IngestJobsDeps) => ({
    store: jobs.store,
    s3: deps.s3,
    reportsPrefix: config.reportsPrefix,
    ...(jobs.clock !== undefined ? { clock: jobs.clock } : {}),
  });

  /** How this invocation hands over: its remaining time, and the control queue for the next one. */
  const continuationFor = (
    continuation: IngestContinuationDeps,
    remainingMs: () => number,
  ): IngestContinuation => ({
    checkpoints: continuation.checkpoints,
    holder: randomUUID(),
    remainingMs,
    marginMs: continuation.marginMs ?? Math.min(MAX_MARGIN_MS, Math.floor(remainingMs() / 4)),
    next: async (message: ContinuationMessage) => {
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: continuation.controlQueueUrl,
          MessageBody: JSON.stringify(message),
        }),
      );
    },
  });

  /** A control-queue message: claim its checkpoint and go on from it (a duplicate claims nothing). */
  const continueFrom = async (
    body: string,
    jobs: IngestJobsDeps,
    continuation: IngestContinuationDeps,
    remainingMs: () => number,
    logger: Logger,
  ) => {
    const message = parseContinuationMessage(body);
    const handover = continuationFor(continuation, remainingMs);
    const claim = await continuation.checkpoints.claim(
      message.jobId,
      message.seq,
      remainingMs(),
      handover.holder,
    );
    if (!claim.claimed) {
      logger.warn({ jobId: message.jobId, seq: message.seq, reason: claim.reason }, "continuation skipped");
      return undefined;
    }
    const { checkpoint } = claim;
    const job = IngestJob.resume(message.jobId, jobDeps(jobs), checkpoint.reservation, claim.reserveRounds);
    // An invocation that held this checkpoint died after sending: its mark says which users SQS already has.
    const recovered = claim.mark?.seq === checkpoint.seq ? claim.mark : undefined;
    if (recovered !== undefined) {
      logger.warn(
        { jobId: message.jobId, seq: checkpoint.seq, line: recovered.line, sent: recovered.sent },
        "continuation taken over from an invocation that died: users it sent are not sent again",
      );
    }
    const outcome = await runIngest(
      { ...checkpoint.source, jobId: message.jobId },
      {
        s3: deps.s3,
        sqs: deps.sqs,
        queueUrl: config.queueUrl,
        logger: childLogger(logger, { jobId: message.jobId }),
        now: deps.now,
        job,
        ...(deps.sync !== undefined ? { sync: deps.sync } : {}),
        continuation: {
          ...handover,
          resume: checkpoint,
          ...(recovered !== undefined ? { recovered } : {}),
        },
      },
      options,
    );
    return outcome.kind === "finished" ? outcome.summary : undefined;
  };

  /** The stalled-ingest sweep (a schedule): a checkpoint nobody took up means a lost continuation. */
  const sweep = async (jobs: IngestJobsDeps, logger: Logger): Promise<void> => {
    const now = (deps.now ?? (() => new Date()))().getTime();
    const timeoutMs = jobs.continuation?.timeoutMs ?? PIPELINE_DEFAULTS.ingestTimeoutSeconds * 1000;
    const stalled = findStalledIngests(await jobs.store.listJobs(), now, timeoutMs);
    for (const one of stalled) logger.error({ ...one }, "ingest stalled: its checkpoint was never taken up");
    // 0 too, so that the alarm sees data.
    metrics.add(METRIC.stalledIngests, stalled.length, "Count");
  };

  const ingestEvent = async (
    event: S3Event | SQSEvent | ScheduledEvent,
    context: IngestContext | undefined,
    logger: Logger,
  ): Promise<IngestSummary[]> => {
    const summaries: IngestSummary[] = [];
    const jobs = deps.jobs;
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    if (isScheduledEvent(event)) {
      if (jobs !== undefined) await sweep(jobs, logger);
      return summaries;
    }
    if (isSqsEvent(event)) {
      const continuation = jobs?.continuation;
      if (jobs === undefined || continuation === undefined || remaining === undefined) {
        throw new CheckpointStateError(
          "a continuation event needs the jobs table, the control queue and the invocation's remaining time",
        );
      }
      for (const record of event.Records) {
        const summary = await continueFrom(record.body, jobs, continuation, remaining, logger);
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
      // The upload's order: a newer file's methods are never replaced by an older one's.
      const withUpload: IngestObjectOptions = {
        ...options,
        ...(record.eventTime
          ? { upload: { eventTime: record.eventTime, ...(sequencer ? { sequencer } : {}) } }
          : {}),
      };
      if (jobs === undefined) {
        summaries.push(
          await ingestObject(
            object,
            {
              s3: deps.s3,
              sqs: deps.sqs,
              queueUrl: config.queueUrl,
              logger,
              now: deps.now,
              ...(deps.sync !== undefined ? { sync: deps.sync } : {}),
            },
            withUpload,
          ),
        );
        continue;
      }
      const opened = await IngestJob.open(
        { bucket, key, ...(versionId ? { versionId } : { sequencer }) },
        jobDeps(jobs),
        { rpsCeiling: jobs.rpsCeiling },
      );
      if (!opened.created) {
        // S3 delivers events at least once: the same upload again must not send its users again.
        logger.warn(
          { bucket, key, jobId: opened.job.id, status: opened.record.status },
          "skipped: this upload's job exists (a duplicate S3 event)",
        );
        continue;
      }
      logger.info({ bucket, key, jobId: opened.job.id }, "job created");
      const outcome = await runIngest(
        { ...object, jobId: opened.job.id },
        {
          s3: deps.s3,
          sqs: deps.sqs,
          queueUrl: config.queueUrl,
          // Every line about the upload and its users carries the job id.
          logger: childLogger(logger, { jobId: opened.job.id }),
          now: deps.now,
          job: opened.job,
          ...(deps.sync !== undefined ? { sync: deps.sync } : {}),
          ...(jobs.continuation !== undefined && remaining !== undefined
            ? { continuation: continuationFor(jobs.continuation, remaining) }
            : {}),
        },
        withUpload,
      );
      if (outcome.kind === "finished") summaries.push(outcome.summary);
    }
    return summaries;
  };

  return async (event, context) => {
    const requestId = context?.awsRequestId;
    // Every line of the invocation carries its request id; its metrics are written once, at its end.
    const logger = requestId === undefined ? deps.logger : childLogger(deps.logger, { requestId });
    try {
      const summaries = await ingestEvent(event, context, logger);
      for (const summary of summaries) recordIngestSummary(metrics, summary);
      return summaries;
    } finally {
      metrics.flush(requestId === undefined ? {} : { requestId });
    }
  };
}

function isScheduledEvent(event: S3Event | SQSEvent | ScheduledEvent): event is ScheduledEvent {
  return (event as { source?: unknown }).source === "aws.events";
}

function isSqsEvent(event: S3Event | SQSEvent | ScheduledEvent): event is SQSEvent {
  const first = ((event as { Records?: unknown[] }).Records ?? [])[0] as { eventSource?: string } | undefined;
  return first?.eventSource === "aws:sqs";
}
