import { once } from "node:events";
import { PassThrough } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { CSV_BYTE_ORDER_MARK, csvRow } from "./csv.js";

/** Options of {@link CsvReportUpload}. */
export interface CsvReportUploadOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  /** The header row. */
  columns: readonly string[];
  /** Bytes buffered per multipart part (S3's minimum is 5 MiB). @default 5 MiB */
  partSize?: number;
  /** Write the header row first (a later part of a report continued across invocations has none). @default true */
  header?: boolean;
  /** Parts uploaded at once; memory held is at most `partSize × queueSize`. @default 2 */
  queueSize?: number;
}

const DEFAULTS = { partSize: 5 * 1024 * 1024, queueSize: 2 } as const;

/**
 * A CSV report streamed to S3 as it is written (lib-storage `Upload` from a stream: one PutObject when small,
 * multipart when large), so a report of any size takes bounded memory. It starts with a UTF-8 byte-order mark
 * and the header row. The upload starts when the object is
 * constructed, with the header row; nothing is visible in S3 until {@link CsvReportUpload.close}.
 *
 * @example
 * const report = new CsvReportUpload({ s3, bucket, key, columns: ["line", "user_id", "errors"] });
 * await report.writeRow([14, "auth0|42", "phone_number: ..."]); // waits when the upload is behind
 * await report.close();
 */
export class CsvReportUpload {
  private readonly stream = new PassThrough();
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private failure: unknown;
  private rowCount = 0;

  public constructor(options: CsvReportUploadOptions) {
    this.upload = new Upload({
      client: options.s3,
      params: {
        Bucket: options.bucket,
        Key: options.key,
        Body: this.stream,
        ContentType: "text/csv; charset=utf-8",
      },
      partSize: options.partSize ?? DEFAULTS.partSize,
      queueSize: options.queueSize ?? DEFAULTS.queueSize,
    });
    this.done = this.upload.done();
    // A failed upload must not leave a writer waiting for "drain" forever: end the stream with the error.
    this.done.catch((error: unknown) => {
      this.failure ??= error;
      this.stream.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    if (options.header !== false) this.stream.write(`${CSV_BYTE_ORDER_MARK}${csvRow(options.columns)}`);
  }

  /** Data rows written so far (the header not counted). */
  public get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends one row; resolves when the stream can take more.
   *
   * @throws the upload's error when it has failed.
   */
  public async writeRow(cells: readonly (string | number)[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.rowCount += 1;
    if (!this.stream.write(csvRow(cells))) await once(this.stream, "drain");
  }

  /**
   * Ends the report and waits until the object is in S3.
   *
   * @throws the upload's error when it failed.
   */
  public async close(): Promise<void> {
    this.stream.end();
    await this.done;
  }

  /** Gives up on the report: nothing is written (a started multipart upload is aborted). Never throws. */
  public async abort(): Promise<void> {
    this.failure ??= new Error("report aborted");
    await this.upload.abort().catch(() => {});
    this.stream.destroy();
    await this.done.catch(() => {});
  }
}
