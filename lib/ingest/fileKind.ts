import { UnsupportedFileError } from "./errors.js";
import type { FileKind } from "./types.js";

const SUPPORTED = /\.(csv|jsonl)(\.gz)?$/i;

/**
 * Tells how to read an object from its key or file name alone: `*.csv` or `*.jsonl`, either optionally
 * followed by `.gz`, case-insensitive.
 *
 * @throws {@link UnsupportedFileError} for any other name.
 * @example
 * detectFileKind("incoming/2026/users.csv.gz"); // { format: "csv", gzip: true }
 */
export function detectFileKind(name: string): FileKind {
  const match = SUPPORTED.exec(name);
  if (match === null) throw new UnsupportedFileError(name);
  return { format: match[1]?.toLowerCase() === "csv" ? "csv" : "jsonl", gzip: match[2] !== undefined };
}
