import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CheckpointClaim, CheckpointStore } from "../ingest/CheckpointStore.js";
import { CheckpointConflictError } from "../ingest/errors.js";
import { type IngestCheckpoint, parseIngestCheckpoint } from "../ingest/IngestCheckpoint.js";
import { parseSendMark } from "../ingest/SendMark.js";
import { type Item, n, s } from "./dynamoItems.js";
import { type JobItemUpdate, updateJobItem } from "./updateJobItem.js";

/** Options of {@link DynamoCheckpointStore}. */
export interface DynamoCheckpointStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
}

/**
 * The ingest checkpoint in the job item (the jobs table, issue 10): the checkpoint as JSON in `checkpoint` (what
 * `Job.checkpoint` shows), its number in `checkpointSeq`, and who holds it: `checkpointHolder` (an invocation's
 * token), `claimedSeq` and `claimedUntil` (epoch ms: the holder's lease, its function's timeout). Single-item
 * conditional updates only.
 *
 * @example
 * const store = new DynamoCheckpointStore({ client: dynamodb, tableName: env.JOBS_TABLE });
 * const claim = await store.claim(jobId, 3, 900_000, randomUUID());
 * if (!claim.claimed) return; // a duplicate continuation event
 */
export class DynamoCheckpointStore implements CheckpointStore {
  private readonly clock: () => number;

  public constructor(private readonly options: DynamoCheckpointStoreOptions) {
    this.clock = options.clock ?? Date.now;
  }

  public async save(jobId: string, checkpoint: IngestCheckpoint, holder: string): Promise<void> {
    const first = checkpoint.seq === 1;
    const saved = await this.update(jobId, {
      UpdateExpression: "SET #checkpoint = :checkpoint, #seq = :seq, #claimed = :none REMOVE #holder, #until",
      ConditionExpression: first
        ? "attribute_exists(pk) AND attribute_not_exists(#seq) AND attribute_not_exists(#ingestFinishedAt)"
        : "#seq = :previous AND #holder = :holder AND attribute_not_exists(#ingestFinishedAt)",
      ExpressionAttributeNames: {
        "#checkpoint": "checkpoint",
        "#seq": "checkpointSeq",
        "#claimed": "claimedSeq",
        "#holder": "checkpointHolder",
        "#until": "claimedUntil",
        "#ingestFinishedAt": "ingestFinishedAt",
      },
      ExpressionAttributeValues: {
        ":checkpoint": s(JSON.stringify(checkpoint)),
        ":seq": n(checkpoint.seq),
        ":none": n(0),
        ...(first ? {} : { ":previous": n(checkpoint.seq - 1), ":holder": s(holder) }),
      },
    });
    if (saved === undefined) throw new CheckpointConflictError(jobId, checkpoint.seq);
  }

  public async claim(jobId: string, seq: number, leaseMs: number, holder: string): Promise<CheckpointClaim> {
    const now = this.clock();
    const claimed = await this.update(jobId, {
      UpdateExpression: "SET #claimed = :seq, #holder = :holder, #until = :until ADD #invocations :one",
      ConditionExpression:
        "#seq = :seq AND attribute_not_exists(#ingestFinishedAt) AND (#claimed < :seq OR #until < :now)",
      ExpressionAttributeNames: {
        "#seq": "checkpointSeq",
        "#claimed": "claimedSeq",
        "#holder": "checkpointHolder",
        "#until": "claimedUntil",
        "#ingestFinishedAt": "ingestFinishedAt",
        "#invocations": "ingestInvocations",
      },
      ExpressionAttributeValues: {
        ":seq": n(seq),
        ":holder": s(holder),
        ":until": n(now + leaseMs),
        ":now": n(now),
        ":one": n(1),
      },
    });
    if (claimed === undefined) {
      return {
        claimed: false,
        reason: `checkpoint ${seq} is not the job's current one, is held by another invocation, or the job's ingest has ended`,
      };
    }
    const json = claimed.checkpoint?.S;
    if (json === undefined) return { claimed: false, reason: `the job has no checkpoint ${seq}` };
    const markJson = claimed.ingestMark?.S;
    const mark = markJson !== undefined ? parseSendMark(JSON.parse(markJson)) : undefined;
    return {
      claimed: true,
      checkpoint: parseIngestCheckpoint(JSON.parse(json)),
      // Written by DynamoJobStore.reserveSent, in the same item.
      reserveRounds: Number(claimed.reserveRound?.N ?? 0),
      ...(mark !== undefined ? { mark } : {}),
    };
  }

  public async clear(jobId: string, seq: number): Promise<void> {
    // The number moves past `seq`, so a late duplicate of any continuation event finds nothing to claim.
    await this.update(jobId, {
      UpdateExpression: "SET #seq = :next REMOVE #checkpoint, #holder, #until",
      ConditionExpression: "#seq = :seq",
      ExpressionAttributeNames: {
        "#seq": "checkpointSeq",
        "#checkpoint": "checkpoint",
        "#holder": "checkpointHolder",
        "#until": "claimedUntil",
      },
      ExpressionAttributeValues: { ":seq": n(seq), ":next": n(seq + 1) },
    });
  }

  private update(jobId: string, input: JobItemUpdate): Promise<Item | undefined> {
    return updateJobItem(this.options.client, this.options.tableName, jobId, input);
  }
}
