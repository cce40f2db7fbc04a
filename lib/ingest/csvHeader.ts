import {
  DelimiterError,
  DuplicateColumnError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
  Utf16Error,
} from "./errors.js";
import { METHOD_FIELDS } from "./methodSchema.js";

/** The CSV columns factor-sync knows, in the order the documentation lists them: the user id, then a method's fields. */
export const CSV_COLUMNS = ["user_id", ...METHOD_FIELDS] as const;

/** A known column name. */
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Where each column is in a row: its 0-based index, -1 when the file does not have it. */
export interface CsvHeader {
  /** Cells a row must have. */
  count: number;
  /** The 1-based line of the header row. */
  line: number;
  index: Record<CsvColumn, number>;
  /** The method fields present (all columns but `user_id` and `type`), with their positions. */
  methodColumns: [CsvColumn, number][];
}

const KNOWN: ReadonlySet<string> = new Set(CSV_COLUMNS);

/**
 * Reads the header row: names trimmed and case-insensitive, any order; `user_id` and `type` required; an
 * unknown, unnamed or repeated column is a file-level error (a typo must not silently drop data).
 *
 * @throws {@link MissingHeaderError}, {@link UnknownColumnError}, {@link MissingColumnError},
 *   {@link DuplicateColumnError}; {@link DelimiterError} for a header separated by `;` or tabs, and
 *   {@link Utf16Error} for a UTF-16 header (its ASCII letters read as letters and zero bytes)
 * @example
 * parseCsvHeader(["User_ID", "type", "totp_secret"], 1).index.totp_secret; // 2
 */
export function parseCsvHeader(cells: readonly string[], line: number): CsvHeader {
  const names = cells.map((cell) => cell.trim().toLowerCase());
  // A first row without a single known name is data, not a header with a typo: say so, and quote none of
  // its cells (one may be a TOTP secret).
  if (!names.some((name) => KNOWN.has(name))) {
    if (names.some((name) => name.includes("\0"))) {
      throw new Utf16Error(names[0]?.startsWith("\0") ? "UTF-16BE" : "UTF-16LE", false);
    }
    const delimiter = otherDelimiter(names);
    if (delimiter !== undefined) throw new DelimiterError(delimiter, line);
    throw new MissingHeaderError(line, CSV_COLUMNS);
  }
  const index = Object.fromEntries(CSV_COLUMNS.map((column) => [column, -1])) as Record<CsvColumn, number>;
  names.forEach((name, position) => {
    if (!KNOWN.has(name))
      throw new UnknownColumnError(cells[position]?.trim() ?? "", position + 1, line, CSV_COLUMNS);
    const column = name as CsvColumn;
    if (index[column] !== -1) throw new DuplicateColumnError(column, line);
    index[column] = position;
  });
  for (const required of ["user_id", "type"] as const) {
    if (index[required] === -1) throw new MissingColumnError(required, line);
  }
  const methodColumns = CSV_COLUMNS.filter((column) => column !== "user_id" && column !== "type")
    .filter((column) => index[column] !== -1)
    .map((column): [CsvColumn, number] => [column, index[column]]);
  return { count: cells.length, line, index, methodColumns };
}

/** The separator (`;` or tab) that splits the header into known column names, when commas did not. */
function otherDelimiter(names: readonly string[]): ";" | "\t" | undefined {
  for (const delimiter of [";", "\t"] as const) {
    const split = names.flatMap((name) => name.split(delimiter).map((part) => part.trim()));
    if (split.length > names.length && split.some((name) => KNOWN.has(name))) return delimiter;
  }
  return undefined;
}
