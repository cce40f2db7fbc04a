import { type CsvError, Parser } from "csv-parse";
import { type CsvHeader, parseCsvHeader } from "./csvHeader.js";
import { CorruptInputError, EmptyFileError, MalformedHeaderError } from "./errors.js";
import type { UserDraft } from "./types.js";
import type { ReaderStart, UserDraftReader } from "./UserDraftReader.js";
import { Utf8Validator } from "./Utf8Validator.js";

/** The part of csv-parse's parser state we read when a record is malformed (csv-parse 7.0.3, pinned). */
interface ParserState {
  record: string[];
  field: { length: number; toString(encoding: BufferEncoding): string };
}

/** A record csv-parse gave up on; it ends where the next record starts. */
interface PendingMalformed {
  line: number;
  userId: string;
  code: string;
}

/**
 * csv-parse's streaming parser, driven synchronously: each record is handed over while the parser's line
 * counter still points at it, which is how records get their physical line numbers.
 */
class RecordParser extends Parser {
  public constructor(
    private readonly onRecord: (cells: string[]) => void,
    onSkip: (error: CsvError | undefined) => undefined,
  ) {
    super({
      bom: true,
      // We compare cell counts ourselves: a short or long row rejects its user, not the file.
      relax_column_count: true,
      skip_empty_lines: true,
      // Broken quoting: csv-parse reports the record to on_skip and goes on with the next (a record that
      // swallowed later lines stops the file: see stopAtBrokenRow).
      skip_records_with_error: true,
      on_skip: onSkip,
    });
  }

  public override push(record: unknown): boolean {
    if (record !== null) this.onRecord(record as string[]);
    return true;
  }

  public get parserState(): ParserState {
    return (this as unknown as { state: ParserState }).state;
  }
}

/**
 * Reads CSV bytes into users: rows are grouped while they have the same `user_id`, each row becomes a method
 * candidate (or an error: wrong cell count, broken quoting, invalid UTF-8). Validation happens later.
 *
 * @example
 * const reader = new CsvUserReader({ maxRecordBytes: 1 << 20 });
 * const drafts: UserDraft[] = [];
 * for await (const chunk of bytes) reader.write(chunk, drafts);
 * reader.end(drafts);
 */
export class CsvUserReader implements UserDraftReader {
  private readonly parser: RecordParser;
  private readonly utf8 = new Utf8Validator();
  private readonly maxRecordBytes: number;
  private header: CsvHeader | undefined;
  private current: UserDraft | undefined;
  private out: UserDraft[] = [];
  private pending: PendingMalformed | undefined;
  private failure: unknown;
  private invalidUtf8Seen = false;
  /** Line breaks csv-parse counted twice: a CRLF inside a quoted cell is one physical line break. */
  private overcount = 0;
  private previousEnd = 0;
  private previousEmptyLines = 0;
  private bytes = 0;
  private lastByte = -1;
  private completed = 0;
  /** Lines and bytes before the first byte given (a continuation starts mid-file). */
  private readonly lineOffset: number;
  private readonly byteOffset: number;
  private headerRow: string[] | undefined;

  public constructor(options: { maxRecordBytes: number; start?: ReaderStart }) {
    this.maxRecordBytes = options.maxRecordBytes;
    const start = options.start;
    this.lineOffset = start === undefined ? 0 : start.line - 1;
    this.byteOffset = start?.byte ?? 0;
    this.previousEnd = this.lineOffset;
    this.completed = this.lineOffset;
    if (start?.header !== undefined) {
      this.headerRow = [...start.header];
      this.header = parseCsvHeader(this.headerRow, 1);
    }
    this.parser = new RecordParser(
      (cells) => this.onRecord(cells),
      (error) => {
        this.onMalformed(error?.code ?? "");
      },
    );
  }

  public get completedLine(): number {
    return this.completed;
  }

  public get headerCells(): readonly string[] | undefined {
    return this.headerRow;
  }

  public get lines(): number {
    if (this.bytes === 0) return this.lineOffset;
    const endsWithBreak = this.lastByte === 0x0a || this.lastByte === 0x0d;
    return this.parser.info.lines - this.overcount - (endsWithBreak ? 1 : 0) + this.lineOffset;
  }

  public write(chunk: Buffer, out: UserDraft[]): void {
    this.out = out;
    this.bytes += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1] as number;
    if (!this.utf8.write(chunk)) this.invalidUtf8Seen = true;
    // Called directly (it is synchronous in csv-parse): records arrive through push() while info.lines is theirs.
    this.parser._transform(chunk, "utf8", (error) => {
      if (error) this.failure = error;
    });
    this.throwIfFailed();
    if (this.parser.parserState.field.length > this.maxRecordBytes) {
      throw new CorruptInputError(
        `a CSV row is longer than ${this.maxRecordBytes} bytes (usually a quote that is never closed)`,
        this.completed,
      );
    }
  }

  public end(out: UserDraft[]): void {
    this.out = out;
    if (!this.utf8.end()) this.invalidUtf8Seen = true;
    this.parser._flush((error) => {
      if (error) this.failure = error;
    });
    this.throwIfFailed();
    if (this.pending !== undefined) this.finishMalformed(this.lines);
    if (this.header === undefined) throw new EmptyFileError();
    this.completeCurrent();
  }

  private throwIfFailed(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure;
  }

  private onRecord(cells: string[]): void {
    const info = this.parser.info;
    let end = info.lines - this.overcount + this.lineOffset;
    let start = this.previousEnd + 1 + (info.empty_lines - this.previousEmptyLines);
    this.previousEmptyLines = info.empty_lines;
    if (start !== end) {
      // A quoted cell spans lines (rare), or a malformed record came before: count the breaks in the cells.
      const breaks = countLineBreaks(cells);
      this.overcount += breaks.crlf;
      end -= breaks.crlf;
      start = end - breaks.all;
    }
    this.previousEnd = end;
    if (this.pending !== undefined) this.finishMalformed(start - 1);
    // csv-parse counts the bytes of the record and its line break (a BOM included): where the next row starts.
    this.onRow(cells, start, end, info.bytes + this.byteOffset);
  }

  private onRow(cells: string[], start: number, end: number, endByte: number): void {
    const header = this.header;
    if (header === undefined) {
      this.header = parseCsvHeader(cells, start);
      this.headerRow = cells.map((cell) => cell.trim());
      this.completed = end;
      return;
    }
    let blank = true;
    for (let i = 0; i < cells.length; i++) {
      const cell = (cells[i] as string).trim();
      cells[i] = cell;
      if (cell !== "") blank = false;
    }
    if (blank) return;
    const { index } = header;
    const userId = cells[index.user_id] ?? "";
    const draft = this.draftFor(userId, start, end);
    draft.endByte = endByte;
    const at = start;
    if (userId === "") {
      const attached = draft.userId !== "";
      draft.errors.push({
        at,
        message: attached ? "user_id is empty (every row needs the user's id)" : "user_id is empty",
      });
    }
    if (this.invalidUtf8Seen && cells.some((cell) => cell.includes("\uFFFD"))) {
      draft.errors.push({ at, message: "the row is not valid UTF-8" });
      return;
    }
    if (cells.length !== header.count) {
      draft.errors.push({
        at,
        message: `the row has ${cells.length} cells but the header has ${header.count} (a missing or extra delimiter, or an unquoted comma?)`,
      });
      return;
    }
    const input: Record<string, unknown> = {};
    let empty = true;
    const type = cells[index.type] as string;
    if (type !== "") {
      input.type = type.toLowerCase();
      empty = false;
    }
    for (const [column, position] of header.methodColumns) {
      const value = cells[position] as string;
      if (value === "") continue;
      input[column] = value;
      empty = false;
    }
    if (empty) draft.clear = true;
    else draft.methods.push({ at, input });
  }

  /**
   * The draft a row of `userId` belongs to: the current one while the id is the same, else a new one. A row
   * without an id (empty or unreadable) joins the current user: it may be one of its methods, so sending the
   * user without it could delete a factor; the row's error rejects the whole user.
   */
  private draftFor(userId: string, start: number, end: number): UserDraft {
    let draft = this.current;
    if (draft === undefined || (userId !== "" && draft.userId !== userId)) {
      this.completeCurrent();
      draft = {
        userId,
        line: start,
        endLine: end,
        endByte: Number.NaN,
        methods: [],
        errors: [],
        parts: 0,
        clear: false,
      };
      this.current = draft;
    }
    draft.endLine = end;
    draft.parts++;
    return draft;
  }

  private completeCurrent(): void {
    if (this.current === undefined) return;
    this.out.push(this.current);
    this.completed = this.current.endLine;
    this.current = undefined;
  }

  private onMalformed(code: string): void {
    const state = this.parser.parserState;
    const soFar = [...state.record, state.field.toString("utf8")];
    let breaks = countLineBreaks(soFar).all;
    // At the end of the input the parser has not yet counted the line a final line break opens.
    if (code === "CSV_QUOTE_NOT_CLOSED" && /[\r\n]$/.test(soFar[soFar.length - 1] ?? "")) breaks--;
    const line = this.parser.info.lines - this.overcount - breaks + this.lineOffset;
    if (this.pending?.line === line) return; // another error in the same record
    if (this.pending !== undefined) this.finishMalformed(line - 1);
    const position = this.header?.index.user_id ?? -1;
    // The user id is known when its cell was complete before the error.
    const userId =
      position >= 0 && position < state.record.length ? (state.record[position] as string).trim() : "";
    this.pending = { line, userId, code };
    this.previousEnd = Number.NaN;
  }

  private finishMalformed(lastLine: number): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    if (this.header === undefined) throw new MalformedHeaderError(pending.line);
    const problem = describeMalformed(pending.code);
    // csv-parse stays inside the quote: every later line went into this row. Rejecting it as one user would
    // silently drop all the users after it, so the file stops here instead.
    if (lastLine > pending.line) this.stopAtBrokenRow(pending, problem);
    const draft = this.draftFor(pending.userId, pending.line, pending.line);
    // Where a malformed row ends is not known exactly: no checkpoint after this user.
    draft.endByte = Number.NaN;
    const at = pending.line;
    if (pending.userId === "") draft.errors.push({ at, message: "user_id could not be read" });
    draft.errors.push({ at, message: `malformed CSV: ${problem}` });
  }

  /**
   * Stops the file at a broken row that swallowed the lines after it. The current user is handed over only
   * when the broken row is known to belong to another user: otherwise it may have more rows, and sending it
   * without them would delete its other factors.
   */
  private stopAtBrokenRow(pending: PendingMalformed, problem: string): never {
    const current = this.current;
    if (current === undefined || (pending.userId !== "" && pending.userId !== current.userId)) {
      this.completeCurrent();
      this.completed = pending.line - 1;
    }
    throw new CorruptInputError(
      `line ${pending.line}: malformed CSV: ${problem}, so every later line would be read as part of this row (fix the quoting on line ${pending.line})`,
      this.completed,
    );
  }
}

/** What a csv-parse error code means for the person fixing the file. */
function describeMalformed(code: string): string {
  switch (code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted cell is never closed";
    case "INVALID_OPENING_QUOTE":
      return "a quote inside an unquoted cell (quote the whole cell and double the quote)";
    case "CSV_INVALID_CLOSING_QUOTE":
      return "a closing quote is followed by other characters (double a quote inside a quoted cell)";
    default:
      return "the row is not well-formed CSV";
  }
}

/** Line breaks inside cells: all of them (CRLF, LF or CR each count once), and how many were CRLF. */
function countLineBreaks(cells: readonly string[]): { all: number; crlf: number } {
  let all = 0;
  let crlf = 0;
  for (const cell of cells) {
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 0x0a) all++;
      else if (c === 0x0d) {
        all++;
        if (cell.charCodeAt(i + 1) === 0x0a) {
          crlf++;
          i++;
        }
      }
    }
  }
  return { all, crlf };
}
