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
}
