/**
 * CSV encoding of report rows: RFC 4180 (CRLF line ends, a cell quoted when it holds `"`, `,`, CR or LF, quotes
 * doubled), plus a guard against spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab
 * or CR (OWASP's list) gets a leading `'`, which spreadsheets read as "this is text". Reports quote values from the
 * operator's own file (user ids, rejected phone numbers), so a crafted cell must not run as a formula when the
 * report is opened. Numbers are written as they are.
 */

/**
 * Every CSV report file starts with this UTF-8 byte-order mark: Excel (on Windows above all) reads a file
 * without it in the machine's legacy code page and garbles non-ASCII names; other tools skip it.
 */
export const CSV_BYTE_ORDER_MARK = "\uFEFF";

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Encodes one cell.
 *
 * @example
 * csvCell('say "hi", ok') // '"say ""hi"", ok"'
 * csvCell("=1+1")         // "'=1+1"
 */
export function csvCell(value: string | number): string {
  if (typeof value === "number") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Encodes one row, CRLF included. */
export function csvRow(cells: readonly (string | number)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
