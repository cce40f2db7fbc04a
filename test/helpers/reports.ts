import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

/**
 * Reads a CSV report into records keyed by its header, checking the shape every report shares: a UTF-8
 * byte-order mark, `line,user_id` as the first columns, CRLF line ends.
 */
export async function readCsvReport(path: string): Promise<Record<string, string>[]> {
  const text = await readFile(path, "utf8");
  if (!text.startsWith("\uFEFFline,user_id,"))
    throw new Error(`${path} does not start with a BOM and line,user_id`);
  if (/[^\r]\n/.test(text)) throw new Error(`${path} has a line that does not end in CRLF`);
  return parse(text, { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
}
