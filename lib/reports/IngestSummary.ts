import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { PhoneCheck } from "../ingest/types.js";
import type { MessageSource } from "../messages/UserFactorsMessage.js";

/** A file-level error that stopped reading the input (nothing after `line` was read). */
export interface IngestFileError {
  /** The error class, e.g. `UnsupportedFileError`, `CorruptInputError`. */
  name: string;
  /** What is wrong, for the operator. Never a TOTP secret. */
  message: string;
  /** The physical line where reading stopped, when the error is tied to one. */
  line?: number;
}

/** Pass 1 rejected more users than the file's tolerance allows: nothing was sent. */
export interface IngestTooManyRejected {
  /** The tolerance as given: `10` or `2.5%`. */
  maxRejected: string;
  /** The most rejected users it allows for this file. */
  limit: number;
  rejected: number;
  users: number;
  /** The same, for the operator: `3 of 20 users rejected, more than max-rejected 10% allows (2 of 20): nothing of the file is sent`. */
  message: string;
}

/**
 * What ingesting one input object did: the `<key>.summary.json` report, and the value the ingest handler returns.
 * `users = valid + rejected` and, unless `fileError` or `tooManyRejected` says why nothing was sent,
 * `valid = unchanged + sent + failedToSend`.
 */
export interface IngestSummary {
  /** The input object (bucket, key, and its versionId and etag when known). */
  source: MessageSource;
  /** Users read: valid + rejected (a user in several places counts once). */
  users: number;
  /** Users with a valid method set. */
  valid: number;
  /** Users rejected for invalid input (one row per place in the rejects report: a user in several places has several). */
  rejected: number;
  /** Users rejected for being in more than one place (part of `rejected`); only when there are any. */
  duplicated?: number;
  /** Methods of the valid users. */
  methods: number;
  /** Valid users this tool already applied with the same methods (incremental sync): not sent. */
  unchanged: number;
  /** Users put on the work queue (one message each). */
  sent: number;
  /** Valid users SQS would not take after retries (one row each in the unsent report). */
  failedToSend: number;
  /** Physical lines read. */
  lines: number;
  /** Bytes of input read, after gzip decompression. */
  bytes: number;
  /** Whether empty method sets were allowed (object metadata `allow-clear: true`). */
  allowClear: boolean;
  /** Whether every user was sent whatever the sync state said (`sync: full`, `--full`); absent without a sync state. */
  full?: boolean;
  /** How phone numbers were checked (object metadata `phone-check`, else the function's setting). */
  phoneCheck: PhoneCheck;
  /** The rejection tolerance applied (object metadata `max-rejected`, else the function's), when there was one. */
  maxRejected?: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601. */
  finishedAt: string;
  durationMs: number;
  /** Keys of the reports written: `unsent` only when some users were not sent. */
  reports: { rejects: string; summary: string; unsent?: string };
  /** Present when a file-level error stopped the file: nothing was sent; the counts cover what was read before it. */
  fileError?: IngestFileError;
  /** Present when pass 1 rejected more users than `maxRejected` allows: nothing was sent. */
  tooManyRejected?: IngestTooManyRejected;
}

/**
 * Writes a summary as pretty JSON (it is small) to `bucket/key`.
 *
 * @example
 * await putIngestSummary(s3, bucket, keys.summary, summary);
 */
export async function putIngestSummary(
  s3: S3Client,
  bucket: string,
  key: string,
  summary: IngestSummary,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(summary, null, 2)}\n`,
      ContentType: "application/json",
    }),
  );
}
