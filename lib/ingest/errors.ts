/**
 * File-level errors of reading an input file: the file as a whole cannot be read (or cannot be read any
 * further). A problem with one user is never one of these: that user is rejected and the rest goes on.
 *
 * Messages name the problem and what to do, never a cell's value (a cell may hold a TOTP secret).
 */

/** The base of every file-level error; `line` is the 1-based physical line concerned, when there is one. */
export class InputFileError extends Error {
  public override readonly name: string = "InputFileError";

  public constructor(
    message: string,
    public readonly line?: number,
  ) {
    super(message);
  }
}

/** The file name is not `*.csv` or `*.jsonl`, optionally followed by `.gz`. */
export class UnsupportedFileError extends InputFileError {
  public override readonly name = "UnsupportedFileError";

  public constructor(public readonly fileName: string) {
    super(
      `unsupported file name '${fileName}': expected a name ending in .csv or .jsonl, optionally followed by .gz`,
    );
  }
}

/** The file holds nothing: no CSV header, no JSONL line (blank lines and a byte-order mark do not count). */
export class EmptyFileError extends InputFileError {
  public override readonly name = "EmptyFileError";

  public constructor() {
    super("the file is empty: a CSV file needs at least a header row, a JSONL file at least one line");
  }
}

/** The longest header cell an {@link UnknownColumnError} quotes: a longer one is more likely data than a typo. */
const MAX_QUOTED_COLUMN = 40;

/**
 * The CSV header names a column factor-sync does not know (a typo must not silently drop data). The cell is
 * quoted only when it looks like a name (one line, at most 40 characters): a stray quote can make a header
 * cell hold the rows after it, TOTP secrets included, and the message goes to reports and stderr.
 */
export class UnknownColumnError extends InputFileError {
  public override readonly name = "UnknownColumnError";
  /** The cell as written, when it is short and on one line; otherwise undefined (it may hold data). */
  public readonly column: string | undefined;

  public constructor(
    column: string,
    public readonly position: number,
    line: number,
    known: readonly string[],
  ) {
    const quotable = column.length <= MAX_QUOTED_COLUMN && !/[\r\n]/.test(column);
    super(
      column === ""
        ? `line ${line}: column ${position} of the header has no name (remove the extra delimiter)`
        : /[\r\n]/.test(column)
          ? `line ${line}: column ${position} of the header runs over several lines: a quote in the header is not closed where it should be (fix the header's quoting)`
          : quotable
            ? `line ${line}: unknown column '${column}' in the header (known columns: ${known.join(", ")})`
            : `line ${line}: column ${position} of the header is not a known column name (known columns: ${known.join(", ")})`,
      line,
    );
    this.column = quotable ? column : undefined;
  }
}

/** The first row of a CSV file names no known column: the file has no header row. */
export class MissingHeaderError extends InputFileError {
  public override readonly name = "MissingHeaderError";

  public constructor(line: number, known: readonly string[]) {
    super(
      `line ${line}: the first row is not a header; it must name the columns, e.g. ${known.slice(0, 3).join(",")}`,
      line,
    );
  }
}

/** How to save a spreadsheet so that factor-sync can read it: the advice of the encoding and delimiter errors. */
const SAVE_AS_CSV_UTF8 =
  "in Excel, File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice, Save As > Text CSV with character set UTF-8 and field delimiter ','";

/**
 * The CSV header is separated by `;` or tabs (what Excel saves where the list separator is `;`), not by
 * commas: the whole header reads as one unknown cell. Says which separator was found and how to re-save.
 */
export class DelimiterError extends InputFileError {
  public override readonly name = "DelimiterError";

  public constructor(
    /** The separator the header uses instead of `,`. */
    public readonly delimiter: ";" | "\t",
    line: number,
  ) {
    super(
      `line ${line}: the header is separated by ${delimiter === ";" ? "semicolons (;)" : "tabs"}, not commas: factor-sync reads comma-separated CSV; save the file again with ',' as the separator (${SAVE_AS_CSV_UTF8})`,
      line,
    );
  }
}

/**
 * The file is UTF-16 (what Excel's "Unicode Text" and some exports write), with or without a byte-order mark;
 * factor-sync reads UTF-8. Says which form was found and how to convert it.
 */
export class Utf16Error extends InputFileError {
  public override readonly name = "Utf16Error";

  public constructor(
    /** The byte order found. */
    public readonly encoding: "UTF-16LE" | "UTF-16BE",
    /** Whether the file starts with a byte-order mark. */
    public readonly byteOrderMark: boolean,
  ) {
    super(
      `the file is ${encoding}${byteOrderMark ? " (with a byte-order mark)" : " (without a byte-order mark)"}, not UTF-8: convert it, e.g. iconv -f ${encoding} -t UTF-8 FILE > FILE-utf8.csv, or save it again as UTF-8 (${SAVE_AS_CSV_UTF8})`,
      1,
    );
  }
}

/** The CSV header lacks a required column (`user_id` or `type`). */
export class MissingColumnError extends InputFileError {
  public override readonly name = "MissingColumnError";

  public constructor(
    public readonly column: string,
    line: number,
  ) {
    super(`line ${line}: the header has no '${column}' column, which is required`, line);
  }
}

/** The CSV header names a column twice. */
export class DuplicateColumnError extends InputFileError {
  public override readonly name = "DuplicateColumnError";

  public constructor(
    public readonly column: string,
    line: number,
  ) {
    super(`line ${line}: the header names column '${column}' twice`, line);
  }
}

/** The CSV header row itself is not well-formed CSV (broken quoting), so no row can be read. */
export class MalformedHeaderError extends InputFileError {
  public override readonly name = "MalformedHeaderError";

  public constructor(line: number) {
    super(`line ${line}: the header row is not well-formed CSV (check its quotes)`, line);
  }
}

/**
 * The input stopped being readable part-way: corrupt or truncated gzip data, a CSV row too long to be a
 * row, or broken CSV quoting that would read every later line into one row. Users before `line` were read completely (and may have been
 * yielded); nothing after it was read.
 */
export class CorruptInputError extends InputFileError {
  public override readonly name = "CorruptInputError";

  public constructor(
    /** What went wrong, without any value from the file. */
    public readonly reason: string,
    /** The last physical line read completely (0 when none was). */
    public readonly lastLine: number,
  ) {
    super(`${reason}: reading stopped after line ${lastLine}; the rest of the file was not read`, lastLine);
  }
}

/** `--default-country` / `DEFAULT_COUNTRY` is not a country the phone-number library knows. Not a file error. */
export class InvalidCountryError extends Error {
  public override readonly name = "InvalidCountryError";

  public constructor(public readonly value: string) {
    super(`'${value}' is not a supported ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)`);
  }
}

/**
 * Pass 2 of reading a file did not read what pass 1 read (another user, another validity, another file
 * error): the bytes changed between the passes, or the two readings disagree. Not the file's fault as such:
 * ingest fails loudly instead of sending what pass 1 did not check.
 */
export class InputChangedError extends Error {
  public override readonly name = "InputChangedError";

  public constructor(detail: string) {
    super(`the file read differently the second time (${detail}); nothing after that point was sent`);
  }
}

/**
 * S3 answered GetObject without a readable body: an S3 (or client) fault, not the file's. Ingest fails (its job
 * ends `failed` with this reason) before anything of that reading is sent.
 */
export class MissingObjectBodyError extends Error {
  public override readonly name = "MissingObjectBodyError";

  public constructor(
    public readonly bucket: string,
    public readonly key: string,
    public readonly pass: 1 | 2,
  ) {
    super(`GetObject returned no readable body for s3://${bucket}/${key} (pass ${pass})`);
  }
}

/** `--phone-check`, context `phoneCheck` or the object metadata `phone-check` is not `strict` or `e164`. */
export class InvalidPhoneCheckError extends Error {
  public override readonly name = "InvalidPhoneCheckError";

  public constructor(public readonly value: string) {
    super(`'${value}' is not a phone check: expected strict (a valid number in its country's plan) or e164`);
  }
}

/** `--max-rejected`, context `maxRejected` or the object metadata `max-rejected` is not a count or a percentage. */
export class InvalidMaxRejectedError extends Error {
  public override readonly name = "InvalidMaxRejectedError";

  public constructor(public readonly value: string) {
    super(
      `'${value}' is not a rejection tolerance: expected a count such as 10 or a percentage such as 2.5%`,
    );
  }
}

/**
 * The state a continuation resumes from (the checkpoint in the job, or pass 1's user table in S3) is missing,
 * unreadable or not the one the checkpoint names: the ingest cannot go on safely from it.
 */
export class CheckpointStateError extends Error {
  public override readonly name = "CheckpointStateError";

  public constructor(problem: string) {
    super(`cannot resume ingest from its checkpoint: ${problem}`);
  }
}

/**
 * A checkpoint could not be saved because the job's checkpoint is no longer the one this invocation took over
 * (another invocation went on from it after this one's lease ran out, or the job stopped ingesting): this
 * invocation stops without starting another.
 */
export class CheckpointConflictError extends Error {
  public override readonly name = "CheckpointConflictError";

  public constructor(
    public readonly jobId: string,
    public readonly seq: number,
  ) {
    super(
      `job ${jobId}: checkpoint ${seq} was not saved, the job's checkpoint has moved on without this invocation`,
    );
  }
}

/**
 * Pass 1's file-level error as a checkpoint recorded it, for pass 2 resumed in a later invocation: the same
 * name, message and line, so pass 2 stops at the same place and the summary says the same.
 */
export class RecordedFileError extends InputFileError {
  public override readonly name: string;

  public constructor(recorded: { name: string; message: string; line?: number }) {
    super(recorded.message, recorded.line);
    this.name = recorded.name;
  }
}
