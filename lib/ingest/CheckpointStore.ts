import type { IngestCheckpoint } from "./IngestCheckpoint.js";
import type { SendMarkValue } from "./SendMark.js";

/** What claiming a checkpoint found. */
export type CheckpointClaim =
  /** This invocation resumes from the checkpoint (and is counted in the job's `ingestInvocations`). */
  | {
      claimed: true;
      checkpoint: IngestCheckpoint;
      /** The job's reservation updates so far (more than the checkpoint's when an invocation died after it). */
      reserveRounds: number;
      /** The job's send mark: of this checkpoint's `seq` when an invocation holding it died after sending. */
      mark?: SendMarkValue;
    }
  /**
   * Nothing to do: the event names a checkpoint that is not the job's current one (a duplicate of an event
   * already handled), another invocation holds it, or the job's ingest has ended (failed, say).
   */
  | { claimed: false; reason: string };

/**
 * Where ingest keeps its checkpoint: the upload's job item (lib/jobs/DynamoCheckpointStore.ts). Every write is
 * conditional on the checkpoint's sequence number, so two invocations can never both go on from one checkpoint.
 */
export interface CheckpointStore {
  /**
   * Saves `checkpoint` (its `seq` one more than the previous, or 1) on condition that the job's current
   * checkpoint is `checkpoint.seq - 1` and is held by `holder`, this invocation (or, for seq 1, that there is
   * none). The saved checkpoint is held by nobody until claimed.
   * @throws {@link CheckpointConflictError} when the condition fails.
   */
  save(jobId: string, checkpoint: IngestCheckpoint, holder: string): Promise<void>;
  /**
   * Takes over checkpoint `seq` for `leaseMs` (the function's timeout): only when it is the job's current one,
   * the job's ingest has not ended (it may be cancelled: ingest still reads on for the reports), and no other invocation holds it (or its lease has run out: that invocation died).
   */
  claim(jobId: string, seq: number, leaseMs: number, holder: string): Promise<CheckpointClaim>;
  /** Removes the checkpoint once the ingest has finished (only checkpoint `seq`). */
  clear(jobId: string, seq: number): Promise<void>;
}
