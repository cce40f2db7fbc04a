import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, S3Event } from "aws-lambda";
import type { CountryCode } from "libphonenumber-js";
import { IngestJob } from "../jobs/IngestJob.js";
import type { JobStore } from "../jobs/JobStore.js";
import { childLogger } from "../logging/childLogger.js";
import type { Logger } from "../logging/Logger.js";
import { recordIngestSummary } from "../metrics/recordIngestSummary.js";
import { silentMetrics } from "../metrics/silentMetrics.js";
import type { InvocationMetrics } from "../metrics/types.js";
import type { IngestSummary } from "../reports/IngestSummary.js";
import { decodeS3Key } from "./decodeS3Key.js";
import { type IngestObjectOptions, type IngestSync, ingestObject } from "./ingestObject.js";
import type { MaxRejected } from "./rejectionTolerance.js";
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

/** What the ingest handler is built from. */
export interface IngestHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  config: IngestHandlerConfig;
  logger: Logger;
  /**
   * The jobs table: every upload becomes a job (a duplicate S3 event finds its job and does nothing), and
   * `rpsCeiling`, the apply fleet's ceiling, goes into it for the completion report. @default none (no jobs)
   */
  jobs?: { store: JobStore; rpsCeiling?: number; clock?: () => number };
  /** @default () => new Date() */
  now?: () => Date;
  /** The sync state: unchanged users are not sent (issue 11). @default none */
  sync?: IngestSync;
  /** Users ingested, rejected and sent of each file, flushed at the end of each invocation. @default silentMetrics */
  metrics?: InvocationMetrics;
  /** Called as each file is read (the local runner's progress display). @default none */
  onReadProgress?: IngestObjectOptions["onReadProgress"];
}

/** What the ingest handler reads of Lambda's context: the request id, for its log lines and metrics. */
export type IngestContext = Partial<Pick<Context, "awsRequestId">>;

/** The ingest Lambda: one summary per object of the event, in order. */
export type IngestHandler = (event: S3Event, context?: IngestContext) => Promise<IngestSummary[]>;

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
  const ingestEvent = async (event: S3Event, logger: Logger): Promise<IngestSummary[]> => {
    const summaries: IngestSummary[] = [];
    // An S3 test event ("s3:TestEvent") has no Records.
    for (const record of event.Records ?? []) {
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
      let job: IngestJob | undefined;
      if (deps.jobs !== undefined) {
        const opened = await IngestJob.open(
          { bucket, key, ...(versionId ? { versionId } : { sequencer }) },
          {
            store: deps.jobs.store,
            s3: deps.s3,
            reportsPrefix: config.reportsPrefix,
            clock: deps.jobs.clock,
          },
          { rpsCeiling: deps.jobs.rpsCeiling },
        );
        if (!opened.created) {
          // S3 delivers events at least once: the same upload again must not send its users again.
          logger.warn(
            { bucket, key, jobId: opened.job.id, status: opened.record.status },
            "skipped: this upload's job exists (a duplicate S3 event)",
          );
          continue;
        }
        job = opened.job;
        logger.info({ bucket, key, jobId: job.id }, "job created");
      }
      summaries.push(
        await ingestObject(
          {
            bucket,
            key,
            ...(versionId ? { versionId } : {}),
            ...(eTag ? { etag: eTag } : {}),
            ...(job !== undefined ? { jobId: job.id } : {}),
          },
          {
            s3: deps.s3,
            sqs: deps.sqs,
            queueUrl: config.queueUrl,
            // Every line about the upload and its users carries the job id.
            logger: job === undefined ? logger : childLogger(logger, { jobId: job.id }),
            now: deps.now,
            job,
            ...(deps.sync !== undefined ? { sync: deps.sync } : {}),
          },
          {
            reportsPrefix: config.reportsPrefix,
            defaultCountry: config.defaultCountry,
            sendConcurrency: config.sendConcurrency,
            // The upload's order: a newer file's methods are never replaced by an older one's.
            ...(record.eventTime
              ? { upload: { eventTime: record.eventTime, ...(sequencer ? { sequencer } : {}) } }
              : {}),
            phoneCheck: config.phoneCheck,
            maxRejected: config.maxRejected,
            onReadProgress: deps.onReadProgress,
          },
        ),
      );
    }
    return summaries;
  };
  return async (event, context) => {
    const requestId = context?.awsRequestId;
    // Every line of the invocation carries its request id; its metrics are written once, at its end.
    const logger = requestId === undefined ? deps.logger : childLogger(deps.logger, { requestId });
    try {
      const summaries = await ingestEvent(event, logger);
      for (const summary of summaries) recordIngestSummary(metrics, summary);
      return summaries;
    } finally {
      metrics.flush(requestId === undefined ? {} : { requestId });
    }
  };
}
