import * as z from "zod";
import { CheckpointStateError } from "./errors.js";
import type { ReadSummary } from "./types.js";

/**
 * Where an ingest that ran out of time stopped, and all it needs to go on in a new invocation (design.md, "Jobs
 * and sync state"; docs/continuation.md). Stored in the upload's job item as JSON, so it stays the same size
 * whatever the file's: what grows with the file (pass 1's table of users, the rejected places) is in S3 and
 * only named here. It holds ids, offsets and counts, never a factor value or a user id.
 *
 * - `seq` numbers the checkpoints of one job (1, 2, ...): the continuation event names it, and the invocation
 *   that takes it over claims exactly that number with a conditional write, so a duplicate event does nothing.
 * - `pass` and `position`: the pass to resume, and where its next user starts (the byte offset in the
 *   decompressed input just after the last user completely handled, the physical line there, the CSV header).
 * - `summary`: pass 1's counts (the whole file's once pass 1 is over, else up to `position`), `methods` so far;
 *   `progress`: pass 2's counts up to `position`; `fanout`: users sent and refused by SQS so far;
 *   `reservation`: users counted as sent in the job so far (given back at the end when not sent), in how many
 *   updates of the job, and whether the job was found cancelled (then nothing more is sent).
 * - `places`: the S3 key of pass 1's table of users (written when the pass-1 table is complete or at a
 *   pass-1 cut); `reports`: the numbered parts of the rejects and unsent reports written so far.
 */
export interface IngestCheckpoint {
  version: 1;
  seq: number;
  pass: 1 | 2;
  position: { byte: number; line: number; header?: string[] };
  source: { bucket: string; key: string; versionId?: string; etag?: string };
  /** The file's settings, resolved by the first invocation (options and object metadata). */
  settings: {
    allowClear: boolean;
    /** Every user sent whatever the sync state says (`--full`, metadata `sync: full`). */
    full: boolean;
    phoneCheck: "strict" | "e164";
    maxRejected?: string;
    /** The S3 event's time and sequencer: the file's order for the sync state (issue 11). */
    upload?: { eventTime: string; sequencer?: string };
  };
  summary: ReadSummary;
  progress: { users: number; valid: number; rejected: number };
  /** Users sent and refused by SQS so far, and found unchanged (incremental sync: not sent). */
  fanout: { sent: number; failedToSend: number; unchanged: number };
  reservation: { reserved: number; rounds: number; cancelled: boolean };
  /** Pass 1's file error (its rejected places are still reported in pass 2; nothing is sent). */
  fileError?: { name: string; message: string; line?: number };
  /** Pass 1 found more rejected users than the tolerance: nothing is sent. */
  tooManyRejected?: { maxRejected: string; limit: number; rejected: number; users: number; message: string };
  places: string;
  reports: { rejectsParts: number; unsentParts: number };
  /** When the first invocation started (ISO 8601), for the summary's duration. */
  startedAt: string;
  /** When this checkpoint was saved (ISO 8601): a checkpoint much older than the function's timeout is stalled. */
  savedAt: string;
}

const count = z.number().int().nonnegative();

const checkpointSchema = z.object({
  version: z.literal(1),
  seq: z.number().int().positive(),
  pass: z.union([z.literal(1), z.literal(2)]),
  position: z.object({
    byte: count,
    line: z.number().int().positive(),
    header: z.array(z.string()).optional(),
  }),
  source: z.object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    versionId: z.string().optional(),
    etag: z.string().optional(),
  }),
  settings: z.object({
    allowClear: z.boolean(),
    full: z.boolean(),
    phoneCheck: z.enum(["strict", "e164"]),
    maxRejected: z.string().optional(),
    upload: z.object({ eventTime: z.string(), sequencer: z.string().optional() }).optional(),
  }),
  summary: z.object({
    users: count,
    valid: count,
    rejected: count,
    duplicated: count,
    methods: count,
    lines: count,
    bytes: count,
  }),
  progress: z.object({ users: count, valid: count, rejected: count }),
  fanout: z.object({ sent: count, failedToSend: count, unchanged: count }),
  reservation: z.object({ reserved: count, rounds: count, cancelled: z.boolean() }),
  fileError: z.object({ name: z.string(), message: z.string(), line: count.optional() }).optional(),
  tooManyRejected: z
    .object({ maxRejected: z.string(), limit: count, rejected: count, users: count, message: z.string() })
    .optional(),
  places: z.string().min(1),
  reports: z.object({ rejectsParts: count, unsentParts: count }),
  startedAt: z.string(),
  savedAt: z.string(),
});

/**
 * Checks a checkpoint read back from a job (JSON written by an earlier invocation, perhaps of an older
 * version of this code).
 *
 * @throws {@link CheckpointStateError} naming the first problem.
 * @example
 * const checkpoint = parseIngestCheckpoint(job.checkpoint);
 */
export function parseIngestCheckpoint(value: unknown): IngestCheckpoint {
  const parsed = checkpointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointStateError(
      `the checkpoint is not valid (${issue?.path.join(".") || "checkpoint"}: ${issue?.message ?? "invalid"})`,
    );
  }
  return parsed.data as IngestCheckpoint;
}
