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
import { PartedCsvReport } from "../reports/PartedCsvReport.js";
import { reportKeys } from "../reports/reportKeys.js";
import { REJECTS_COLUMNS, rejectsRow, UNSENT_COLUMNS, unsentRow } from "../reports/reportRows.js";
import { SyncGate } from "../sync/SyncGate.js";
import type { SyncStateStore } from "../sync/SyncStateStore.js";
import { sourceOrder } from "../sync/sourceOrder.js";
import type { CheckpointStore } from "./CheckpointStore.js";
import type { ContinuationMessage } from "./ContinuationMessage.js";
import { CSV_COLUMNS } from "./csvHeader.js";
import { emptyReadSummary } from "./emptyReadSummary.js";
import { MissingObjectBodyError, RecordedFileError, UnexpectedHandOverError } from "./errors.js";
import { loadFileErrorMessage, saveFileErrorMessage } from "./fileErrorObject.js";
import type { IngestCheckpoint } from "./IngestCheckpoint.js";
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
import { deleteStateObject, loadPlaces, savePlaces } from "./placesObject.js";
import type { PassProgress, ReaderResume } from "./readUserFactors.js";
import { SendMark, type SendMarkValue } from "./SendMark.js";
import type { FileKind, PhoneCheck, ReadOptions, ReadPosition, ReadSummary } from "./types.js";

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
   * Continuing across invocations (issue 14): without it, the ingest runs to the end in this invocation.
   * @default none
   */
  continuation?: IngestContinuation;
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

/**
 * How an ingest that may not finish in one invocation watches its time and hands over (docs/continuation.md).
 * Needs `IngestObjectDeps.job`: the checkpoint lives in the job.
 */
export interface IngestContinuation {
  checkpoints: CheckpointStore;
  /** This invocation's token: the checkpoint it claimed is held by it. */
  holder: string;
  /** Time left in this invocation (Lambda's `context.getRemainingTimeInMillis`). */
  remainingMs: () => number;
  /**
   * A checkpoint is cut when less than this is left: enough to let the sends in flight settle, close this
   * invocation's report parts, write pass 1's table of users (about 13 bytes a user) and save the checkpoint.
   */
  marginMs: number;
  /** Starts the next invocation (a message on the control queue). */
  next: (message: ContinuationMessage) => Promise<void>;
  /** The checkpoint this invocation claimed, when it continues an ingest. @default a new ingest */
  resume?: IngestCheckpoint;
  /**
   * The event that started this invocation will be delivered again if it fails (a continuation's control-queue
   * message before its last receive): an error that is not the file's then releases the checkpoint and is
   * rethrown without failing the job, so the redelivery takes the checkpoint over. @default false (the job fails)
   */
  retried?: boolean;
  /**
   * The send mark of an invocation that held the same checkpoint and died: the valid users up to its line are
   * on the queue already, and are counted, not sent. @default none
   */
  recovered?: SendMarkValue;
}

/** How one invocation of an ingest ended: the file done (its summary), or handed over to the next invocation. */
export type IngestOutcome =
  | { kind: "finished"; summary: IngestSummary }
  | { kind: "continued"; checkpoint: IngestCheckpoint };

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

/** Where pass 1's file-error message is kept across invocations, in the job's state prefix. */
const FILE_ERROR_OBJECT = "file-error.txt";

const KNOWN_COLUMNS: ReadonlySet<string> = new Set(CSV_COLUMNS);

/** A CSV header's cells as column names (trimmed, lower case) when every one is a known name, else none. */
function knownHeader(cells: readonly string[] | undefined): string[] | undefined {
  const names = cells?.map((cell) => cell.trim().toLowerCase());
  return names?.every((name) => KNOWN_COLUMNS.has(name)) ? names : undefined;
}

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
  const outcome = await runIngest(object, { ...deps, continuation: undefined }, options);
  if (outcome.kind !== "finished") throw new UnexpectedHandOverError();
  return outcome.summary;
}

/**
 * {@link ingestObject} in one invocation of possibly several: with `deps.continuation`, the ingest watches its
 * remaining time, and before it runs out records a checkpoint in its job (after the last user completely
 * handled: sent, or written to the rejects report) and starts the next invocation, which resumes there with
 * `continuation.resume`. Every user is sent once and counted once, whatever the number of invocations.
 *
 * @example
 * const outcome = await runIngest(object, { s3, sqs, queueUrl, job, continuation }, options);
 * if (outcome.kind === "continued") logger.info({ seq: outcome.checkpoint.seq }, "handed over");
 */
export async function runIngest(
  object: MessageSource,
  deps: IngestObjectDeps,
  options: IngestObjectOptions = {},
): Promise<IngestOutcome> {
  const logger = deps.logger ?? silentLogger;
  const at = { bucket: object.bucket, key: object.key };
  const resumed = deps.continuation?.resume;
  logger.info(
    {
      ...at,
      versionId: object.versionId,
      ...(resumed !== undefined ? { seq: resumed.seq, pass: resumed.pass, line: resumed.position.line } : {}),
    },
    resumed !== undefined ? "ingest resumed from its checkpoint" : "ingest started",
  );
  try {
    return await ingest(object, { ...deps, logger }, options);
  } catch (error) {
    // Only the class and message of an error that is not the file's fault (S3 or SQS unusable): never data.
    logger.error({ ...at, error: errorName(error), message: errorMessage(error) }, "ingest failed");
    const cont = deps.continuation;
    if (cont?.retried === true && resumed !== undefined && deps.job !== undefined) {
      // The control queue delivers the event again: that invocation takes the checkpoint over (the send mark says
      // which users this one sent), so the job goes on.
      await cont.checkpoints.release(deps.job.id, resumed.seq, cont.holder).catch((releaseError: unknown) => {
        logger.error(
          { ...at, error: errorName(releaseError) },
          "could not release the checkpoint: its lease runs out",
        );
      });
      logger.warn(
        { ...at, seq: resumed.seq },
        "the continuation will be delivered again: the job is left as it is",
      );
      throw error;
    }
    const failed = await deps.job
      ?.fail(`${errorName(error)}: ${errorMessage(error)}`)
      .then(() => true)
      .catch((jobError: unknown) => {
        logger.error({ ...at, error: errorName(jobError) }, "could not mark the job failed");
        return false;
      });
    // The job's ingest has ended: nobody reads the table of the checkpoint it held any more.
    if (failed === true && resumed !== undefined) {
      await deleteStateObject({ s3: deps.s3, bucket: object.bucket, key: resumed.places }).catch(() => {});
    }
    throw error;
  }
}

async function ingest(
  object: MessageSource,
  deps: IngestObjectDeps & { logger: Logger },
  options: IngestObjectOptions,
): Promise<IngestOutcome> {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const continuation = deps.job !== undefined ? deps.continuation : undefined;
  const resume = continuation?.resume;
  const startedAt = resume !== undefined ? new Date(resume.startedAt) : now();
  const reportsPrefix = options.reportsPrefix ?? REPORTS_PREFIX;
  const keys = reportKeys(object.key, reportsPrefix);
  const at = { bucket: object.bucket, key: object.key };

  let source: MessageSource = resume !== undefined ? { ...object, ...resume.source } : object;
  let allowClear = resume?.settings.allowClear ?? options.allowClear ?? false;
  let full = resume?.settings.full ?? options.full ?? false;
  let phoneCheck = resume?.settings.phoneCheck ?? options.phoneCheck ?? "strict";
  let maxRejected =
    resume !== undefined
      ? resume.settings.maxRejected !== undefined
        ? parseMaxRejected(resume.settings.maxRejected)
        : undefined
      : options.maxRejected;
  // When and in which sequence S3 made the upload: the first invocation's event says, the checkpoint keeps it.
  const upload = resume !== undefined ? resume.settings.upload : options.upload;
  let fileError: IngestFileError | undefined;
  let tooMany: ToleranceExceeded | undefined = resume?.tooManyRejected;
  let read = NOTHING_READ;
  let counts: FanoutCounts = { sent: 0, failedToSend: 0 };
  let body: Readable | undefined;
  let kind: FileKind | undefined;

  try {
    kind = detectFileKind(object.key);
  } catch (error) {
    fileError = toFileError(error);
  }

  if (kind !== undefined && resume === undefined) {
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

  // With continuations, each invocation writes numbered parts that the last one joins (PartedCsvReport).
  const statePrefix = `${reportsPrefix === "" || reportsPrefix.endsWith("/") ? reportsPrefix : `${reportsPrefix}/`}.ingest/${deps.job?.id ?? "none"}`;
  const stateAt = (name: string) => ({ s3: deps.s3, bucket: object.bucket, key: `${statePrefix}/${name}` });
  const rejects: ReportSink =
    continuation !== undefined
      ? new PartedCsvReport({
          s3: deps.s3,
          bucket: object.bucket,
          key: keys.rejects,
          partPrefix: `${statePrefix}/rejects`,
          columns: REJECTS_COLUMNS,
          partsBefore: resume?.reports.rejectsParts,
        })
      : new CsvReportUpload({
          s3: deps.s3,
          bucket: object.bucket,
          key: keys.rejects,
          columns: REJECTS_COLUMNS,
        });
  const partedUnsent =
    continuation !== undefined
      ? new PartedCsvReport({
          s3: deps.s3,
          bucket: object.bucket,
          key: keys.unsent,
          partPrefix: `${statePrefix}/unsent`,
          columns: UNSENT_COLUMNS,
          partsBefore: resume?.reports.unsentParts,
          always: false,
        })
      : undefined;
  let unsent = partedUnsent as ReportSink | undefined;
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
  let cancelled = resume?.reservation.cancelled ?? false;
  let handedOver: IngestCheckpoint | undefined;
  // How far this invocation has sent without a gap, saved with each reservation: if it dies between checkpoints,
  // the invocation that takes its checkpoint over skips those users (docs/continuation.md).
  const recovered = continuation?.recovered;
  const mark = continuation !== undefined ? new SendMark(resume?.seq ?? 0, recovered) : undefined;
  const markValue = () => {
    const value = mark?.value;
    return value !== undefined ? { ...value } : undefined;
  };
  const sentBefore: FanoutCounts = {
    sent: (resume?.fanout.sent ?? 0) + (recovered?.sent ?? 0),
    failedToSend: resume?.fanout.failedToSend ?? 0,
  };
  // Users found unchanged (incremental sync), by the invocations before this one too.
  let unchanged = (resume?.fanout.unchanged ?? 0) + (recovered?.unchanged ?? 0);
  // False: the user was not sent (cancelled), so the sync gate gives its claim back.
  const send = async (user: OutgoingUser, isUnchanged: boolean): Promise<boolean> => {
    // Unchanged first: a user already applied with these methods is unchanged, cancelled or not.
    if (isUnchanged) {
      unchanged += 1;
      mark?.unchanged(user.line);
      return true;
    }
    if (cancelled) return false;
    if (job !== undefined && !(await job.beforeSend(markValue))) {
      // The rest is read on (the rejects report stays complete) but not sent.
      cancelled = true;
      logger.info(at, "job cancelled: ingest stops sending");
      return false;
    }
    await queue.enqueue(user, mark?.track(user.line));
    return true;
  };
  // Users after a dead invocation's send mark that it sent and apply has applied since (the sync state says so):
  // counted as sent, not sent again.
  let appliedEarlier = 0;
  const sentEarlier = async (line: number): Promise<void> => {
    if (cancelled) return;
    appliedEarlier += 1;
    mark?.track(line)(true);
  };
  const jobId = job?.id ?? jobIdFor({ ...source, sequencer: upload?.sequencer });
  const gate =
    deps.sync === undefined
      ? undefined
      : new SyncGate(
          {
            ...deps.sync,
            jobId,
            order: sourceOrder({
              eventTime: upload?.eventTime ?? startedAt.toISOString(),
              sequencer: upload?.sequencer,
              jobId,
            }),
            full,
          },
          ({ user, stamp, unchanged: same, appliedByThisFile }) =>
            appliedByThisFile === true ? sentEarlier(user.line) : send({ ...user, sync: stamp }, same),
        );
  try {
    if (kind !== undefined && (body !== undefined || resume !== undefined)) {
      const fileKind = kind;
      let first = body;
      let opens = 0;
      // Pass 1 reads the body already open; later readings the same version again (from a byte offset when
      // resuming an uncompressed file), refused if it has changed since.
      const open = async (fromByte: number): Promise<Readable> => {
        // Only a resumed pass 1 opens the object for pass 1; every other opening is pass 2's.
        const pass = opens++ === 0 && resume?.pass === 1 ? 1 : 2;
        if (first !== undefined && fromByte === 0) {
          const opened = first;
          first = undefined;
          return opened;
        }
        // Pass 1 is over: a body it left unread (a file error before the end) is not needed any more.
        first?.destroy();
        first = undefined;
        const again = await deps.s3.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            VersionId: source.versionId,
            ...(source.etag !== undefined ? { IfMatch: `"${source.etag}"` } : {}),
            ...(fromByte > 0 ? { Range: `bytes=${fromByte}-` } : {}),
          }),
        );
        if (!(again.Body instanceof Readable))
          throw new MissingObjectBodyError(object.bucket, object.key, pass);
        body = again.Body;
        return body;
      };
      const readerResume: ReaderResume | undefined =
        resume !== undefined
          ? {
              pass: resume.pass,
              position: resume.position,
              places: await loadPlaces({ s3: deps.s3, bucket: object.bucket, key: resume.places }),
              summary: resume.summary,
              progress: resume.progress,
              ...(resume.fileError !== undefined
                ? {
                    fileError: new RecordedFileError({
                      ...resume.fileError,
                      message: await loadFileErrorMessage(stateAt(FILE_ERROR_OBJECT)),
                    }),
                  }
                : {}),
            }
          : undefined;
      const outOfTime =
        continuation !== undefined ? () => continuation.remainingMs() < continuation.marginMs : () => false;
      const reader = readUserFactors(
        open,
        fileKind,
        {
          allowClear,
          defaultCountry: options.defaultCountry,
          phoneCheck,
          onProgress: options.onReadProgress,
        },
        { resume: readerResume, shouldStop: outOfTime },
      );

      /** Records where this invocation stopped and starts the next one (continuation is set: outOfTime said so). */
      const handOver = async (pass: 1 | 2, position: ReadPosition, progress: PassProgress) => {
        const cont = continuation as IngestContinuation;
        const jobId = (job as IngestJob).id;
        // The users handed to the sync gate before the cut are decided and sent first: the position is after them.
        await gate?.close();
        const sent = await queue.close();
        const rejectsParts = await (rejects as PartedCsvReport).closePart();
        const unsentParts = await (partedUnsent as PartedCsvReport).closePart();
        const seq = (resume?.seq ?? 0) + 1;
        // Pass 1's table changes until pass 1 is over; once complete it is written once, for every later reading.
        // Each checkpoint names its own table: one written by an invocation that died before saving its checkpoint
        // never replaces the table of the checkpoint the next invocation takes over.
        const newTable = pass === 1 || resume === undefined || resume.pass === 1;
        const places = newTable ? `${statePrefix}/places-${seq}.bin` : (resume as IngestCheckpoint).places;
        if (newTable) await savePlaces(stateAt(`places-${seq}.bin`), reader.places);
        const check = await reader.check();
        const fileErrorHere = check.fileError !== undefined ? toFileError(check.fileError) : undefined;
        if (fileErrorHere !== undefined && resume?.fileError === undefined) {
          await saveFileErrorMessage(stateAt(FILE_ERROR_OBJECT), fileErrorHere.message);
        }
        const checkpoint: IngestCheckpoint = {
          version: 1,
          seq,
          pass,
          position: {
            byte: position.byte,
            line: position.line,
            // Column names only: a header with a cell that is no known name (it may hold data) is not kept.
            ...(knownHeader(position.header) !== undefined ? { header: knownHeader(position.header) } : {}),
          },
          source: {
            bucket: source.bucket,
            key: source.key,
            ...(source.versionId !== undefined ? { versionId: source.versionId } : {}),
            ...(source.etag !== undefined ? { etag: source.etag } : {}),
          },
          settings: {
            allowClear,
            full,
            phoneCheck,
            ...(maxRejected !== undefined ? { maxRejected: maxRejected.text } : {}),
            ...(upload !== undefined
              ? {
                  upload: {
                    eventTime: upload.eventTime,
                    ...(upload.sequencer !== undefined ? { sequencer: upload.sequencer } : {}),
                  },
                }
              : {}),
          },
          summary: { ...reader.summary },
          progress: { ...progress },
          fanout: {
            sent: sentBefore.sent + sent.sent + appliedEarlier,
            failedToSend: sentBefore.failedToSend + sent.failedToSend,
            unchanged,
          },
          reservation: {
            reserved: (job as IngestJob).reserved,
            rounds: (job as IngestJob).reserveRounds,
            cancelled,
          },
          // The message may quote the file: it is in S3 beside the table, the job item has the name and line.
          ...(fileErrorHere !== undefined
            ? {
                fileError: {
                  name: fileErrorHere.name,
                  ...(fileErrorHere.line !== undefined ? { line: fileErrorHere.line } : {}),
                },
              }
            : {}),
          ...(tooMany !== undefined ? { tooManyRejected: tooMany } : {}),
          places,
          reports: { rejectsParts, unsentParts },
          startedAt: startedAt.toISOString(),
          savedAt: now().toISOString(),
        };
        try {
          await cont.checkpoints.save(jobId, checkpoint, cont.holder);
        } catch (error) {
          // Another invocation went on from the checkpoint: the table written here is nobody's.
          if (newTable) await deleteStateObject(stateAt(`places-${seq}.bin`)).catch(() => {});
          throw error;
        }
        // The table of the checkpoint taken over is nobody's any more once the next one is saved.
        if (newTable && resume !== undefined && resume.places !== places) {
          await deleteStateObject({ s3: deps.s3, bucket: object.bucket, key: resume.places });
        }
        await cont.next({
          kind: "ingest-continuation",
          version: 1,
          jobId,
          seq: checkpoint.seq,
          source: { bucket: object.bucket, key: object.key },
        });
        logger.info(
          { ...at, jobId, seq: checkpoint.seq, pass, line: position.line, sent: checkpoint.fanout.sent },
          "ingest out of time: checkpoint saved, next invocation started",
        );
        return checkpoint;
      };

      const check = await reader.check();
      if (check.cut !== undefined) {
        handedOver = await handOver(1, check.cut, { users: 0, valid: 0, rejected: 0 });
      } else {
        if (resume?.pass !== 2 && check.fileError === undefined) {
          tooMany = exceedsTolerance(maxRejected, check.summary.rejected, check.summary.users);
        }
        // Nothing is sent unless the whole file is readable and within its tolerance.
        const sending = check.fileError === undefined && tooMany === undefined;
        const pass2Starts = resume?.pass !== 2;
        if (pass2Starts && outOfTime()) {
          // Between the passes: pass 2 starts from the beginning in the next invocation.
          handedOver = await handOver(2, { byte: 0, line: 1 }, { users: 0, valid: 0, rejected: 0 });
        } else {
          // Every invocation of pass 2 (one after a cut between the passes too): `validating` → `sending` once, and
          // a job cancelled meanwhile is seen.
          if (sending) await job?.startSending();
          try {
            for await (const item of reader) {
              if (item.kind === "rejected") await rejects.writeRow(rejectsRow(item.user));
              else if (sending && !cancelled) {
                if (recovered !== undefined && item.user.line <= recovered.line) {
                  // Sent (or found unchanged) by the invocation that died holding this checkpoint: not again.
                } else if (gate !== undefined) await gate.add(item.user);
                else await send(item.user, false);
              }
              // A checkpoint only after a user completely handled, at a place whose end is known exactly.
              const end = reader.lastEnd;
              if (end !== undefined && outOfTime()) {
                handedOver = await handOver(2, end, reader.progress);
                break;
              }
            }
            // Every user handed to the sync gate is decided and sent (or counted unchanged) before the end.
            if (handedOver === undefined) await gate?.close();
          } catch (error) {
            // The users still in the gate are not sent: their claims are given back.
            await gate?.abort();
            fileError = toFileError(error);
          } finally {
            read = { ...reader.summary };
          }
        }
      }
    }
    if (handedOver !== undefined) return { kind: "continued", checkpoint: handedOver };
    const sentHere = await queue.close();
    counts = {
      sent: sentBefore.sent + sentHere.sent + appliedEarlier,
      failedToSend: sentBefore.failedToSend + sentHere.failedToSend,
    };
    if (rejects instanceof PartedCsvReport) await rejects.finish();
    else await rejects.close();
    if (unsent instanceof PartedCsvReport) {
      if (!(await unsent.finish())) unsent = undefined;
    } else await unsent?.close();
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
  // Only once the job has its totals: an invocation that dies before leaves the checkpoint (and its table) for
  // the redelivery of its event, or for the stalled-ingest sweep to flag.
  if (continuation !== undefined && resume !== undefined) {
    await deleteStateObject({ s3: deps.s3, bucket: object.bucket, key: resume.places });
    // A table an invocation that held this checkpoint wrote before it died, its checkpoint never saved.
    await deleteStateObject(stateAt(`places-${resume.seq + 1}.bin`));
    if (resume.fileError !== undefined || fileError !== undefined) {
      await deleteStateObject(stateAt(FILE_ERROR_OBJECT));
    }
    if (job !== undefined) await continuation.checkpoints.clear(job.id, resume.seq);
  }
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
  return { kind: "finished", summary };
}

/** Where rows of a report go: one upload, or numbered parts across invocations. */
type ReportSink = CsvReportUpload | PartedCsvReport;

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
