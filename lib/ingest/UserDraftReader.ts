import type { UserDraft } from "./types.js";

/** Turns the bytes of one format into users, chunk by chunk; completed users are appended to `out`. */
export interface UserDraftReader {
  /** Reads a chunk of (decompressed) bytes. Throws an {@link InputFileError} when the file cannot be read on. */
  write(chunk: Buffer, out: UserDraft[]): void;
  /** Reads what is left; throws {@link EmptyFileError} when there was nothing at all. */
  end(out: UserDraft[]): void;
  /** Physical lines read so far. */
  readonly lines: number;
  /** The last line read completely: every user up to it has been appended to `out`. */
  readonly completedLine: number;
  /** The CSV header's cells once read (for a resumed reading); undefined for JSONL. */
  readonly headerCells?: readonly string[];
}

/** Where a reader starts when it does not start at the beginning of the file (a continuation). */
export interface ReaderStart {
  /** Byte offset of the first byte the reader is given. */
  byte: number;
  /** The physical line that starts there. */
  line: number;
  /** The CSV header's cells, read in an earlier invocation. */
  header?: readonly string[];
}
