import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { CsvReportUpload } from "./CsvReportUpload.js";
import { CSV_BYTE_ORDER_MARK, csvRow } from "./csv.js";

/** Options of {@link PartedCsvReport}. */
export interface PartedCsvReportOptions {
  s3: S3Client;
  bucket: string;
  /** The report's key once it is whole. */
  key: string;
  /** Parts are `<partPrefix>-0001.csv`, `-0002.csv`, ... */
  partPrefix: string;
  columns: readonly string[];
  /** Parts earlier invocations wrote (from the checkpoint). @default 0 */
  partsBefore?: number;
  /** Write the whole report even when no part has a row (the rejects report always exists). @default true */
  always?: boolean;
}

/**
 * A CSV report written by several invocations of one ingest: each invocation's rows go to a numbered part of
 * its own (closed at its checkpoint; the checkpoint keeps only the number of parts, so the job item stays the
 * same size), and the invocation that finishes writes the report whole, the header and every part in order,
 * then deletes the parts. The parts are read back once, at the end: a report's rows are the rejected places,
 * few by nature (and bounded by `max-rejected` when it is set).
 *
 * @example
 * const rejects = new PartedCsvReport({ s3, bucket, key, partPrefix, columns, partsBefore: checkpoint.reports.rejectsParts });
 * await rejects.writeRow(rejectsRow(user));
 * const parts = await rejects.closePart();   // at a checkpoint
 * await rejects.finish();                    // or, at the end: the whole report at `key`
 */
export class PartedCsvReport {
  private part: CsvReportUpload | undefined;
  private parts: number;

  public constructor(private readonly options: PartedCsvReportOptions) {
    this.parts = options.partsBefore ?? 0;
  }

  /** Parts written so far, this invocation's open one included. */
  public get partCount(): number {
    return this.parts;
  }

  public async writeRow(cells: readonly (string | number)[]): Promise<void> {
    if (this.part === undefined) {
      this.parts += 1;
      this.part = new CsvReportUpload({
        s3: this.options.s3,
        bucket: this.options.bucket,
        key: this.partKey(this.parts),
        columns: this.options.columns,
        header: false,
      });
    }
    await this.part.writeRow(cells);
  }

  /** Closes this invocation's part (if it wrote a row); returns the parts written so far. */
  public async closePart(): Promise<number> {
    const part = this.part;
    this.part = undefined;
    await part?.close();
    return this.parts;
  }

  /**
   * Writes the whole report at `key` (the header, then every part in order) and deletes the parts. Returns
   * whether a report was written (not when `always` is false and no part has a row).
   */
  public async finish(): Promise<boolean> {
    await this.closePart();
    if (this.parts === 0 && this.options.always === false) return false;
    const { s3, bucket } = this.options;
    const keys = Array.from({ length: this.parts }, (_, i) => this.partKey(i + 1));
    const header = `${CSV_BYTE_ORDER_MARK}${csvRow(this.options.columns)}`;
    async function* whole(): AsyncGenerator<Buffer | string> {
      yield header;
      for (const key of keys) {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!(response.Body instanceof Readable)) throw new TypeError("GetObject returned no readable body");
        for await (const chunk of response.Body) yield chunk as Buffer;
      }
    }
    await new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: this.options.key,
        Body: Readable.from(whole()),
        ContentType: "text/csv; charset=utf-8",
      },
    }).done();
    for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  }

  /** Drops this invocation's open part (the earlier parts stay for the invocation that goes on). */
  public async abort(): Promise<void> {
    const part = this.part;
    this.part = undefined;
    await part?.abort();
  }

  private partKey(n: number): string {
    return `${this.options.partPrefix}-${String(n).padStart(4, "0")}.csv`;
  }
}
