import { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { CountryCode } from "libphonenumber-js";
import { REPORTS_PREFIX } from "../config/defaults.js";
import { sqsSendBatch } from "../fanout/sqsSendBatch.js";
import type { FanoutCounts } from "../fanout/types.js";
import { UserQueue } from "../fanout/UserQueue.js";
import type { IngestJob } from "../jobs/IngestJob.js";
import { jobIdFor } from "../jobs/jobId.js";
import { type Logger, silentLogger } from "../logging/Logger.js";
import type { MessageSource, OutgoingUser } from "../messages/UserFactorsMessage.js";
import { CsvReportUpload } from "../reports/CsvReportUpload.js";
import { type IngestFileError, type IngestSummary, putIngestSummary } from "../reports/IngestSummary.js";
import { reportKeys } from "../reports/reportKeys.js";
import { REJECTS_COLUMNS, rejectsRow, UNSENT_COLUMNS, unsentRow } from "../reports/reportRows.js";
import { SyncGate } from "../sync/SyncGate.js";
import type { SyncStateStore } from "../sync/SyncStateStore.js";
import { sourceOrder } from "../sync/sourceOrder.js";
import { emptyReadSummary } from "./emptyReadSummary.js";
import { MissingObjectBodyError } from "./errors.js";
import {
  detectFileKind,
  exceedsTolerance,
  InputFileError,
  type MaxRejected,
  parseMaxRejected,
  parsePhoneCheck,
  readUserFactors,
  type ToleranceExceeded,
} from "./index.js";
import type { FileKind, PhoneCheck, ReadOptions, ReadSummary } from "./types.js";

/** What {@link ingestObject} works with. */
export interface IngestObjectDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** The work queue. */
  queueUrl: string;
  /** @default silentLogger */
  logger?: Logger;
  /** @default () => new Date() */
  now?: () => Date;
  /**
   * The upload's job: users are counted in it before they are sent, sending stops when it is cancelled, and
   * ingest's totals end up in it. @default none (no job accounting)
   */
  job?: IngestJob;
  /**
   * The sync state (issue 11): users whose methods this tool already applied are counted `unchanged` and not
   * sent; every user sent is claimed for this file's order first. @default none (every valid user is sent)
   */
  sync?: IngestSync;
}

/** What ingest needs of the sync state. */
export interface IngestSync {
  store: SyncStateStore;
  /** The HMAC key (only ingest holds it). */
  key: Uint8Array;
  /** The tenant the state is kept under (`tenantId` of the Auth0 domain). */
  tenant: string;
}

/** The S3 event's facts that order one upload against another (see `sourceOrder`). */
export interface UploadEvent {
  /** ISO 8601. */
  eventTime: string;
  sequencer?: string;
}

/** Options of {@link ingestObject}. */
export interface IngestObjectOptions {
  /** Where reports go, in the input's bucket. @default "reports/" */
  reportsPrefix?: string;
  /** Country for national phone numbers. @default none */
  defaultCountry?: CountryCode;
  /** SendMessageBatch calls in flight. @default 10 */
  sendConcurrency?: number;
  /** Allow empty method sets even without the object's `allow-clear: true` metadata. @default false */
  allowClear?: boolean;
  /** Send every valid user whatever the sync state says (`--full`; or object metadata `sync: full`). @default false */
  full?: boolean;
  /** When and in which sequence S3 made the upload. @default the start of ingest, no sequencer */
  upload?: UploadEvent;
  /** How phone numbers are checked; the object's `phone-check` metadata overrides it. @default "strict" */
  phoneCheck?: PhoneCheck;
  /**
   * Most rejected users a file may have and still be sent: a count or a percentage of its users (see
   * `parseMaxRejected`); the object's `max-rejected` metadata overrides it. @default no limit
   */
  maxRejected?: MaxRejected;
  /** Called as the file is read, with the reader's counts so far (see `ReadOptions.onProgress`). @default none */
  onReadProgress?: ReadOptions["onProgress"];
}

/** Name of the S3 user metadata (`x-amz-meta-allow-clear`) that allows empty method sets for one file. */
export const ALLOW_CLEAR_METADATA = "allow-clear";
/** Name of the S3 user metadata that sets the phone check of one file (`strict` or `e164`). */
export const PHONE_CHECK_METADATA = "phone-check";
/** Name of the S3 user metadata that sets the rejection tolerance of one file (`10`, `2.5%`). */
export const MAX_REJECTED_METADATA = "max-rejected";

/** Name of the S3 user metadata (`x-amz-meta-sync`) whose value `full` sends every user of the file. */
export const SYNC_METADATA = "sync";

const NOTHING_READ: ReadSummary = emptyReadSummary();

/**
 * Ingests one S3 object in two passes over the same object version: pass 1 validates the whole file and finds
 * users in more than one place, sending nothing; pass 2 reads it again, puts one message per valid user on the
 * work queue, streams every rejected place to the rejects report and users SQS would not take to the unsent
 * report, then writes the summary. Nothing is sent when pass 1 found a file-level problem (unsupported name,
 * unknown column, corrupt gzip...: the summary's `fileError`) or more rejected users than `max-rejected`
 * allows (`tooManyRejected`); the rejects report is written all the same. Neither throws. Anything else (S3 or
 * SQS unusable, the object changed between the passes) throws, after aborting the reports, so that the
 * invocation fails visibly.
 *
 * @example
 * const summary = await ingestObject({ bucket, key: "incoming/users.csv" }, { s3, sqs, queueUrl, logger });
 */
export async function ingestObject(
  object: MessageSource,
  deps: IngestObjectDeps,
  options: IngestObjectOptions = {},
): Promise<IngestSummary> {
  const logger = deps.logger ?? silentLogger;
  const at = { bucket: object.bucket, key: object.key };
  logger.info({ ...at, versionId: object.versionId }, "ingest started");
  try {
    return await ingest(object, { ...deps, logger }, options);
  } catch (error) {
    // Only the class and message of an error that is not the file's fault (S3 or SQS unusable): never data.
    logger.error({ ...at, error: errorName(error), message: errorMessage(error) }, "ingest failed");
    await deps.job?.fail(`${errorName(error)}: ${errorMessage(error)}`).catch((jobError: unknown) => {
      logger.error({ ...at, error: errorName(jobError) }, "could not mark the job failed");
    });
    throw error;
  }
}

async function ingest(
  object: MessageSource,
  deps: IngestObjectDeps & { logger: Logger },
  options: IngestObjectOptions,
): Promise<IngestSummary> {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const keys = reportKeys(object.key, options.reportsPrefix ?? REPORTS_PREFIX);
  const at = { bucket: object.bucket, key: object.key };

  let source = object;
  let allowClear = options.allowClear ?? false;
  let full = options.full ?? false;
  let phoneCheck = options.phoneCheck ?? "strict";
  let maxRejected = options.maxRejected;
  let fileError: IngestFileError | undefined;
  let tooMany: ToleranceExceeded | undefined;
  let read = NOTHING_READ;
  let counts: FanoutCounts = { sent: 0, failedToSend: 0 };
  let body: Readable | undefined;
  let kind: FileKind | undefined;

  try {
    kind = detectFileKind(object.key);
  } catch (error) {
    fileError = toFileError(error);
  }

  if (kind !== undefined) {
    const response = await deps.s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key, VersionId: object.versionId }),
    );
    body = response.Body instanceof Readable ? response.Body : undefined;
    if (body === undefined) throw new MissingObjectBodyError(object.bucket, object.key, 1);
    source = {
      ...object,
      ...(response.VersionId ? { versionId: response.VersionId } : {}),
      ...(response.ETag ? { etag: response.ETag.replaceAll('"', "") } : {}),
    };
    const metadata = response.Metadata ?? {};
    allowClear ||= metadata[ALLOW_CLEAR_METADATA]?.trim().toLowerCase() === "true";
    full ||= metadata[SYNC_METADATA]?.trim().toLowerCase() === "full";
    try {
      const check = metadata[PHONE_CHECK_METADATA];
      if (check !== undefined) phoneCheck = parsePhoneCheck(check);
      const max = metadata[MAX_REJECTED_METADATA];
      if (max !== undefined) maxRejected = parseMaxRejected(max);
    } catch (error) {
      // A bad setting of this file is the file's problem: said in its summary, nothing sent.
      fileError = { name: errorName(error), message: `object metadata: ${errorMessage(error)}` };
      kind = undefined;
      body.destroy();
    }
  }

  const rejects = new CsvReportUpload({
    s3: deps.s3,
    bucket: object.bucket,
    key: keys.rejects,
    columns: REJECTS_COLUMNS,
  });
  let unsent: CsvReportUpload | undefined;
  const queue = new UserQueue(sqsSendBatch(deps.sqs, deps.queueUrl), {
    source,
    sendConcurrency: options.sendConcurrency,
    logger,
    onUnsent: async (user) => {
      // Written only when needed: most runs have none.
      unsent ??= new CsvReportUpload({
        s3: deps.s3,
        bucket: object.bucket,
        key: keys.unsent,
        columns: UNSENT_COLUMNS,
      });
      await unsent.writeRow(unsentRow(user));
    },
  });

  const job = deps.job;
  // The operator cancelled the job while it was being sent: the rest of the valid users are not sent.
  let cancelled = false;
  let unchanged = 0;
  // False: the user was not sent (cancelled), so the sync gate gives its claim back.
  const send = async (user: OutgoingUser, isUnchanged: boolean): Promise<boolean> => {
    // Unchanged first: a user already applied with these methods is unchanged, cancelled or not.
    if (isUnchanged) {
      unchanged += 1;
      return true;
    }
    if (cancelled) return false;
    if (job !== undefined && !(await job.beforeSend())) {
      cancelled = true;
      logger.info(at, "job cancelled: ingest stops sending");
      return false;
    }
    await queue.enqueue(user);
    return true;
  };
  const jobId = job?.id ?? jobIdFor({ ...source, sequencer: options.upload?.sequencer });
  const gate =
    deps.sync === undefined
      ? undefined
      : new SyncGate(
          {
            ...deps.sync,
            jobId,
            order: sourceOrder({
              eventTime: options.upload?.eventTime ?? startedAt.toISOString(),
              sequencer: options.upload?.sequencer,
              jobId,
            }),
            full,
          },
          ({ user, stamp, unchanged: same }) => send({ ...user, sync: stamp }, same),
        );
  try {
    if (kind !== undefined && body !== undefined) {
      const firstBody = body;
      let opened = 0;
      // Pass 1 reads the body already open; pass 2 the same version again, refused if it has changed since.
      const open = async (): Promise<Readable> => {
        if (opened++ === 0) return firstBody;
        // Pass 1 is over: a body it left unread (a file error before the end) is not needed any more.
        firstBody.destroy();
        const again = await deps.s3.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            VersionId: source.versionId,
            ...(source.etag !== undefined ? { IfMatch: `"${source.etag}"` } : {}),
          }),
        );
        if (!(again.Body instanceof Readable)) throw new MissingObjectBodyError(object.bucket, object.key, 2);
        body = again.Body;
        return body;
      };
      const reader = readUserFactors(open, kind, {
        allowClear,
        defaultCountry: options.defaultCountry,
        phoneCheck,
        onProgress: options.onReadProgress,
      });
      const check = await reader.check();
      if (check.fileError === undefined) {
        tooMany = exceedsTolerance(maxRejected, check.summary.rejected, check.summary.users);
      }
      // Nothing is sent unless the whole file is readable and within its tolerance.
      const sending = check.fileError === undefined && tooMany === undefined;
      if (sending) await job?.startSending();
      try {
        for await (const item of reader) {
          if (item.kind === "rejected") await rejects.writeRow(rejectsRow(item.user));
          else if (sending && !cancelled) {
            // After a cancel the rest is read on (the rejects report stays complete) but not sent.
            if (gate !== undefined) await gate.add(item.user);
            else await send(item.user, false);
          }
        }
        await gate?.close();
      } catch (error) {
        // The users still in the gate are not sent: their claims are given back.
        await gate?.abort();
        fileError = toFileError(error);
      } finally {
        read = { ...reader.summary };
      }
    }
    counts = await queue.close();
    await rejects.close();
    await unsent?.close();
  } catch (error) {
    // Let in-flight sends settle (they are not retried by anyone else) and leave no partial report behind.
    await queue.close().catch(() => {});
    await Promise.all([rejects.abort(), unsent?.abort()]);
    throw error;
  } finally {
    body?.destroy();
  }

  const finishedAt = now();
  const summary: IngestSummary = {
    source,
    users: read.users,
    valid: read.valid,
    rejected: read.rejected,
    methods: read.methods,
    unchanged,
    sent: counts.sent,
    failedToSend: counts.failedToSend,
    lines: read.lines,
    bytes: read.bytes,
    allowClear,
    ...(deps.sync !== undefined ? { full } : {}),
    phoneCheck,
    ...(maxRejected !== undefined ? { maxRejected: maxRejected.text } : {}),
    ...(read.duplicated > 0 ? { duplicated: read.duplicated } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    reports: {
      rejects: keys.rejects,
      summary: keys.summary,
      ...(unsent !== undefined ? { unsent: keys.unsent } : {}),
    },
    ...(fileError !== undefined ? { fileError } : {}),
    ...(tooMany !== undefined ? { tooManyRejected: tooMany } : {}),
  };
  await putIngestSummary(deps.s3, object.bucket, keys.summary, summary);
  // Valid users not sent although SQS would have taken them: the job was cancelled (they count as sent and
  // cancelled), or the file was stopped as a whole (they count as not sent).
  const notSent = Math.max(0, summary.valid - summary.unchanged - summary.sent - summary.failedToSend);
  await job?.finish({
    users: summary.users,
    valid: summary.valid,
    rejected: summary.rejected,
    unchanged: summary.unchanged,
    sent: summary.sent,
    failedToSend: summary.failedToSend + (cancelled ? 0 : notSent),
    ...(cancelled ? { cancelledUnsent: notSent } : {}),
    reports: summary.reports,
    ...(tooMany !== undefined
      ? {
          end: {
            status: "rejected",
            reason: `more rejected users than the tolerance allows: see ${keys.summary}`,
          },
        }
      : {}),
    ...(fileError !== undefined
      ? {
          // The message may quote the file: the job (a table item) names only the class, the line and the report.
          end: {
            status: "failed",
            reason: `${fileError.name}${fileError.line !== undefined ? ` at line ${fileError.line}` : ""}: see ${keys.summary}`,
          },
        }
      : {}),
  });
  logger.info(
    {
      ...at,
      users: summary.users,
      valid: summary.valid,
      rejected: summary.rejected,
      unchanged: summary.unchanged,
      sent: summary.sent,
      failedToSend: summary.failedToSend,
      lines: summary.lines,
      bytes: summary.bytes,
      durationMs: summary.durationMs,
      // The file error's message may quote the file (a header cell, say): only its class and line are logged.
      ...(fileError !== undefined ? { fileError: fileError.name, fileErrorLine: fileError.line } : {}),
      ...(tooMany !== undefined ? { maxRejected: tooMany.maxRejected, limit: tooMany.limit } : {}),
    },
    fileError !== undefined
      ? "ingest stopped by a file error"
      : tooMany !== undefined
        ? "ingest stopped: more rejected users than max-rejected allows, nothing sent"
        : "ingest done",
  );
  return summary;
}

/** An input-file error as the summary shows it; anything else is not the file's fault and is rethrown. */
function toFileError(error: unknown): IngestFileError {
  if (!(error instanceof InputFileError)) throw error;
  return {
    name: error.name,
    message: error.message,
    ...(error.line !== undefined ? { line: error.line } : {}),
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
