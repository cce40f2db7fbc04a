import type { CountryCode } from "libphonenumber-js";
import type { RejectedUser, UserFactors } from "../factors/types.js";

/** The file formats factor-sync reads. */
export type FileFormat = "csv" | "jsonl";

/** How an object is read: its format and whether it is gzip-compressed. Decided from the file name alone. */
export interface FileKind {
  format: FileFormat;
  gzip: boolean;
}

/**
 * How phone numbers are checked: `strict`, a valid number in its country's plan (libphonenumber-js, max
 * metadata); `e164`, Auth0's own rule only (`+` and 8 to 15 digits), for numbers newer than the metadata.
 */
export type PhoneCheck = "strict" | "e164";

/** Options of reading a file of desired factors. */
export interface ReadOptions {
  /** Accept an empty method set (it deletes all of the user's factors). @default false */
  allowClear?: boolean;
  /** ISO 3166-1 alpha-2 country used to turn national phone numbers into E.164. @default none: national numbers are rejected */
  defaultCountry?: CountryCode;
  /** How phone numbers are checked. @default "strict" */
  phoneCheck?: PhoneCheck;
  /**
   * Worker threads that normalise phone numbers while the file is parsed (libphonenumber-js is the slowest
   * step). 0 validates them on the calling thread. The workers run this same module, so it also works bundled.
   * @default 1 when os.availableParallelism() is at least 2, else 0
   */
  phoneWorkers?: number;
  /**
   * The longest CSV row or JSONL line, in bytes. A longer JSONL line rejects its user; a longer CSV row (in
   * practice a quote that is never closed) stops the file with a {@link CorruptInputError}, as nothing after
   * it can be split into rows reliably. Bounds memory.
   * @default 1 MiB
   */
  maxRecordBytes?: number;
  /**
   * Called as pass 1 reads the file, after each batch of users, with the counts so far (lines and bytes
   * read, users checked): what a progress display shows while a large file is read. @default none
   */
  onProgress?: (summary: Readonly<ReadSummary>) => void;
}

/**
 * A place in the (decompressed) input where reading can start again: just after a user's last row or line.
 * `line` is the physical line that starts there; `header` the CSV header's cells (read again only from byte 0).
 */
export interface ReadPosition {
  byte: number;
  line: number;
  header?: readonly string[];
}

/** One user read from a file: either valid, to be sent, or rejected with its reasons. */
export type ReadUser = { kind: "valid"; user: UserFactors } | { kind: "rejected"; user: RejectedUser };

/** What reading a whole file found. */
export interface ReadSummary {
  /** Users in the file (valid + rejected): a user in several places counts once. */
  users: number;
  /** Users that may be sent. */
  valid: number;
  /** Users rejected (a user in several places once, though each place has its rejection). */
  rejected: number;
  /** Users rejected because they are in more than one place (part of `rejected`). */
  duplicated: number;
  /** Methods of valid users. */
  methods: number;
  /** Physical lines read. */
  lines: number;
  /** Bytes of the (decompressed) input read. */
  bytes: number;
}

/**
 * A user as read from the file, before validation: the raw method candidates and the problems found while
 * reading (malformed rows, bad JSON...). Internal to the readers and the validator.
 */
export interface UserDraft {
  /** As written (trimmed); empty when the row or line had none. */
  userId: string;
  /** Physical line where the user's first row (or its line) starts. */
  line: number;
  /** Physical line where the user's last row ends. */
  endLine: number;
  /**
   * Byte offset in the (decompressed) input just after the user's last row or line, where reading can resume;
   * NaN when it is not known exactly (a malformed CSV row ends the user): then no checkpoint is cut after it.
   */
  endByte: number;
  /** Method candidates in file order, as read: unchecked values keyed by field name. */
  methods: MethodDraft[];
  /** Problems found while reading, in file order. */
  errors: DraftError[];
  /** Rows (CSV) or methods (JSONL) the user had: when more than one, each reason says where it is. */
  parts: number;
  /** Whether the file asked for an empty set explicitly (a CSV row with only `user_id`, a JSONL `[]`). */
  clear: boolean;
}

/**
 * One method as read, unchecked. `at` locates it within its user, for messages when the user has more than
 * one part: the physical line of its row (CSV) or its index in `authentication_methods` (JSONL).
 */
export interface MethodDraft {
  at: number;
  input: Record<string, unknown>;
}

/** A problem found while reading, located like {@link MethodDraft} (`at` is -1 for the whole line or user). */
export interface DraftError {
  at: number;
  message: string;
}
