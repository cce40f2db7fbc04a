import { SourceOrderError } from "./errors.js";

/** Hex digits a sequencer is left-padded to (S3's are 16 to 18 today). */
const SEQUENCER_WIDTH = 32;

/** What orders one upload against another. */
export interface OrderedUpload {
  /** The S3 event's `eventTime` (ISO 8601, when S3 finished the PUT). */
  eventTime: string;
  /** The S3 event's sequencer (hex), which orders events of one key within the same millisecond. */
  sequencer?: string;
  /** The upload's job: a last tie-break, so that two uploads never share an order. */
  jobId: string;
}

/**
 * A job's source order: a string that compares (as DynamoDB and JavaScript compare strings) as the uploads were
 * made, by the event time, then the S3 sequencer (left-padded with zeros, as S3 says to compare them), then the
 * job id. An older file's methods never replace a newer file's: apply compares these.
 *
 * @throws {@link SourceOrderError} when the event time is not a date.
 * @example
 * sourceOrder({ eventTime: "2026-12-01T02:00:00.000Z", sequencer: "0055AED6DCD90281E5", jobId: "j-…" })
 * // "001796090400000.000000000000000055AED6DCD90281E5.j-…"
 */
export function sourceOrder(upload: OrderedUpload): string {
  const time = Date.parse(upload.eventTime);
  if (!Number.isFinite(time) || time < 0) {
    throw new SourceOrderError(`not an event time: ${JSON.stringify(upload.eventTime)}`);
  }
  const sequencer = (upload.sequencer ?? "").toUpperCase().padStart(SEQUENCER_WIDTH, "0");
  return `${String(time).padStart(15, "0")}.${sequencer}.${upload.jobId}`;
}
