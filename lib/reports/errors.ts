/** Errors of writing reports. */

/**
 * S3 answered GetObject without a readable body for a part of a report written by an earlier invocation (an S3
 * or client fault): the whole report cannot be joined.
 */
export class MissingReportPartError extends Error {
  public override readonly name = "MissingReportPartError";

  public constructor(
    public readonly bucket: string,
    public readonly key: string,
  ) {
    super(`GetObject returned no readable body for the report part s3://${bucket}/${key}`);
  }
}
