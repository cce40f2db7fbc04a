import * as z from "zod";
import { CheckpointStateError } from "./errors.js";

/**
 * The event that starts the next ingest invocation of a job (a message on the small control queue): it names
 * the job and the checkpoint to go on from, nothing else (the checkpoint itself is in the job). A duplicate of
 * it claims nothing: see {@link CheckpointStore.claim}.
 */
export interface ContinuationMessage {
  kind: "ingest-continuation";
  version: 1;
  jobId: string;
  seq: number;
  /** The upload, for logs and for finding the job by hand. */
  source: { bucket: string; key: string };
}

const messageSchema = z.object({
  kind: z.literal("ingest-continuation"),
  version: z.literal(1),
  jobId: z.string().min(1),
  seq: z.number().int().positive(),
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
});

/**
 * Reads a continuation event's body.
 *
 * @throws {@link CheckpointStateError} when it is not one.
 * @example
 * const next = parseContinuationMessage(record.body); // { jobId, seq, ... }
 */
export function parseContinuationMessage(body: string): ContinuationMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new CheckpointStateError("the continuation event is not JSON");
  }
  const parsed = messageSchema.safeParse(value);
  if (!parsed.success) throw new CheckpointStateError("the continuation event is not an ingest continuation");
  return parsed.data;
}
