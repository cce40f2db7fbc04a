import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { RejectedUser, UserFactors } from "../../lib/factors/types.js";
import { type FileCheck, readUserFactors } from "../../lib/ingest/readUserFactors.js";
import type { FileKind, ReadOptions, ReadSummary } from "../../lib/ingest/types.js";

/** A TOTP secret used in fixtures, so tests can assert it never appears in a message. */
export const FIXTURE_TOTP_SECRET = "JBSWY3DPEHPK3PXP";
/** Valid E.164 numbers (libphonenumber-js max metadata). */
export const FIXTURE_PHONES = { us: "+14155552671", gb: "+447911123456", de: "+4915123456789" } as const;

export const CSV: FileKind = { format: "csv", gzip: false };
export const JSONL: FileKind = { format: "jsonl", gzip: false };
export const CSV_GZ: FileKind = { format: "csv", gzip: true };
export const JSONL_GZ: FileKind = { format: "jsonl", gzip: true };

/** The full header in documentation order. */
export const CSV_HEADER = "user_id,type,phone_number,preferred_authentication_method,email,totp_secret,name";

/** One CSV row for {@link CSV_HEADER}, from named cells (absent ones are empty). */
export function csvRow(cells: {
  user_id?: string;
  type?: string;
  phone_number?: string;
  preferred_authentication_method?: string;
  email?: string;
  totp_secret?: string;
  name?: string;
}): string {
  return [
    cells.user_id,
    cells.type,
    cells.phone_number,
    cells.preferred_authentication_method,
    cells.email,
    cells.totp_secret,
    cells.name,
  ]
    .map((cell) => cell ?? "")
    .join(",");
}

/** A CSV file: the header, then the given lines, each ending in `\n` (or `eol`). */
export function csvFile(lines: readonly string[], options: { header?: string; eol?: string } = {}): string {
  const eol = options.eol ?? "\n";
  return [options.header ?? CSV_HEADER, ...lines].map((line) => `${line}${eol}`).join("");
}

/** One JSONL line for a user. */
export function jsonlLine(userId: string, methods: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ user_id: userId, authentication_methods: methods });
}

/** A JSONL file from lines, each ending in `\n`. */
export function jsonlFile(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

export function gzip(content: string | Buffer): Buffer {
  return gzipSync(typeof content === "string" ? Buffer.from(content) : content);
}

/** Everything reading a file produced, in order, plus the file-level error if one was thrown. */
export interface ReadOutcome {
  valid: UserFactors[];
  rejected: RejectedUser[];
  /** Valid and rejected users as `valid 2 auth0|1` / `rejected 3 auth0|2`, in file order. */
  order: string[];
  summary: ReadSummary;
  /** What pass 1 found, before pass 2 yielded anything. */
  check?: FileCheck;
  /** Times the input was opened (one per pass). */
  opens: number;
  error?: Error;
}

/** Reads a whole file given as text or bytes, split into chunks of `chunkSize` bytes (to test boundaries). */
export async function readAll(
  content: string | Buffer,
  kind: FileKind,
  options: ReadOptions = {},
  chunkSize = 65_536,
): Promise<ReadOutcome> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    chunks.push(bytes.subarray(offset, offset + chunkSize));
  }
  // Phone numbers on the calling thread unless a test asks for workers: starting one per test is slow.
  let opens = 0;
  const open = () => {
    opens++;
    return Readable.from(chunks);
  };
  const reader = readUserFactors(open, kind, { phoneWorkers: 0, ...options });
  const outcome: ReadOutcome = { valid: [], rejected: [], order: [], summary: reader.summary, opens: 0 };
  try {
    outcome.check = await reader.check();
    for await (const read of reader) {
      outcome.order.push(`${read.kind} ${read.user.line} ${read.user.userId}`);
      if (read.kind === "valid") outcome.valid.push(read.user);
      else outcome.rejected.push(read.user);
    }
  } catch (error) {
    outcome.error = error as Error;
  }
  outcome.opens = opens;
  return outcome;
}
