import type { CountryCode } from "libphonenumber-js";
import type { RejectedUser, UserFactors } from "../factors/types.js";

/** The file formats factor-sync reads. */
export type FileFormat = "csv" | "jsonl";

/** How an object is read: its format and whether it is gzip-compressed. Decided from the file name alone. */
export interface FileKind {
  format: FileFormat;
  gzip: boolean;
}

/** Options of reading a file of desired factors. */
export interface ReadOptions {
  /** Accept an empty method set (it deletes all of the user's factors). @default false */
  allowClear?: boolean;
  /** ISO 3166-1 alpha-2 country used to turn national phone numbers into E.164. @default none: national numbers are rejected */
  defaultCountry?: CountryCode;
}

/** One user read from a file: either valid, to be sent, or rejected with its reasons. */
export type ReadUser = { kind: "valid"; user: UserFactors } | { kind: "rejected"; user: RejectedUser };

/** What reading a whole file found. */
export interface ReadSummary {
  /** Users seen (valid + rejected). */
  users: number;
  /** Users that may be sent. */
  valid: number;
  /** Users rejected. */
  rejected: number;
  /** Methods of valid users. */
  methods: number;
  /** Physical lines read. */
  lines: number;
  /** Bytes of the (decompressed) input read. */
  bytes: number;
}
