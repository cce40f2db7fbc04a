import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

/** Reads a CSV report into records keyed by its header. */
export async function readCsvReport(path: string): Promise<Record<string, string>[]> {
  return parse(await readFile(path, "utf8"), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
}
