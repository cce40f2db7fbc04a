import { randomUUID } from "node:crypto";
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import {
  type Item,
  JOBS_PARTITION,
  jobFromItem,
  jobKey,
  n,
  outcomeFromItem,
  outcomeKey,
  outcomePartition,
  reportsValue,
  s,
} from "./dynamoItems.js";
import { JobConflictError, JobNotFoundError, JobStatusError, JobStoreOptionsError } from "./errors.js";
import type { IngestTotals, JobStore, NewJob, RecordedOutcomes } from "./JobStore.js";
import {
  FINISHED_STATUSES,
  type Job,
  type JobCounts,
  type JobReports,
  type JobStatus,
  type UserOutcome,
  type UserOutcomeRecord,
} from "./types.js";
import { type JobItemUpdate, updateJobItem } from "./updateJobItem.js";

/** Options of {@link DynamoJobStore}. */
export interface DynamoJobStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Days a per-user outcome item is kept (its `expiresAt`). @default PIPELINE_DEFAULTS.outcomeTtlDays (30) */
  outcomeTtlDays?: number;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Names one batch's write. @default crypto.randomUUID */
  token?: () => string;
  /** How long a writer waits for another batch's open write to commit before aborting it. @default 50 */
  graceMs?: number;
  /** @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
}

/** The outcome a user may move to from each recorded outcome (`none`: nothing recorded yet). */
const ALLOWED_FROM: Record<UserOutcome, readonly (UserOutcome | "none")[]> = {
  // A user cancelled by one delivery and applied by another (in flight when the job was cancelled) was applied.
  applied: ["none", "failed", "cancelled"],
  failed: ["none"],
  superseded: ["none", "failed"],
  cancelled: ["none"],
};

const NONE = "none";
const MAX_TRIES_PER_USER = 12;
const FAILURE_FIELDS = ["status", "errorCode", "message", "attempts", "failedAt"] as const;

/** A user's change within one batch write: its counted outcome before (`prev`) and after. */
interface Change {
  userId: string;
  prev: UserOutcome | typeof NONE;
  to: UserOutcome;
}

/**
 * The {@link JobStore} on DynamoDB (dynalite locally), with single-item conditional writes only (dynalite has no
 * transactions, and the stack grants GetItem, PutItem, UpdateItem, Query and BatchGetItem).
 *
 * Counting one batch exactly once, whatever crashes or redeliveries happen, takes four steps:
 * 1. each user's outcome item is written with the batch's token `T` (`txn`) and the outcome it was counted as
 *    before (`prev`), on condition that the move is allowed and no other batch's write is open on it;
 * 2. the job's counts get the whole batch's changes in one update that also adds `T` to `txnCommitted`, on
 *    condition that `T` is not in `txnAborted` (the commit point);
 * 3. the users' `txn` are removed; 4. `T` leaves `txnCommitted`.
 * A writer that finds another batch's `T'` open on a user (that batch crashed, or is still between 1 and 2)
 * either sees `T'` committed (then the user is counted: it closes it), or aborts `T'` with a conditional update
 * (`txnAborted`, only while `T'` is not committed) and takes the user over from its `prev`. A batch whose commit
 * finds itself aborted re-commits, under a new token, the users nobody took over. Exactly one of the two commits
 * counts each user.
 *
 * @example
 * const store = new DynamoJobStore({ client: new DynamoDBClient({}), tableName: process.env.JOBS_TABLE });
 * const { created, job } = await store.createJob({ id: jobIdFor(source), source, startedAt: now });
 */
export class DynamoJobStore implements JobStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly outcomeTtlSeconds: number;
  private readonly clock: () => number;
  private readonly token: () => string;
  private readonly graceMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  public constructor(options: DynamoJobStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    const days = options.outcomeTtlDays ?? PIPELINE_DEFAULTS.outcomeTtlDays;
    if (!(days > 0)) throw new JobStoreOptionsError(`outcomeTtlDays must be positive, got ${days}`);
    this.outcomeTtlSeconds = Math.round(days * 86_400);
    this.clock = options.clock ?? Date.now;
    this.token = options.token ?? randomUUID;
    this.graceMs = options.graceMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    this.random = options.random ?? Math.random;
  }

  public async createJob(job: NewJob): Promise<{ created: boolean; job: Job }> {
    const createdBy = this.token();
    const item: Item = {
      ...jobKey(job.id),
      id: s(job.id),
      bucket: s(job.source.bucket),
      key: s(job.source.key),
      status: s("validating"),
      startedAt: s(job.startedAt),
      ingestInvocations: n(1),
      revision: n(0),
      createdBy: s(createdBy),
      reports: reportsValue({}),
      ...(job.source.versionId ? { versionId: s(job.source.versionId) } : {}),
      ...(job.source.sequencer ? { sequencer: s(job.source.sequencer) } : {}),
      ...(job.rpsCeiling !== undefined ? { rpsCeiling: n(job.rpsCeiling) } : {}),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { created: true, job: jobFromItem(item) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The SDK retries a call whose answer was lost: our own earlier attempt may be what exists.
      const existing = await this.getJobItem(job.id);
      if (existing === undefined) throw new JobNotFoundError(job.id);
      return { created: existing.createdBy?.S === createdBy, job: jobFromItem(existing) };
    }
  }

  public async getJob(id: string): Promise<Job | undefined> {
    const item = await this.getJobItem(id);
    return item === undefined ? undefined : jobFromItem(item);
  }

  public async listJobs(): Promise<Job[]> {
    const jobs: Job[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :job)",
          ExpressionAttributeValues: { ":pk": s(JOBS_PARTITION), ":job": s("JOB#") },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) jobs.push(jobFromItem(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return jobs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
  }

  public async markSending(id: string): Promise<boolean> {
    return this.conditionalUpdate(id, {
      UpdateExpression: "SET #status = :sending",
      ConditionExpression: "#status = :validating",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":sending": s("sending"), ":validating": s("validating") },
    }).then((item) => item !== undefined);
  }

  public async reserveSent(
    id: string,
    count: number,
    round: number,
    mark?: Record<string, unknown>,
  ): Promise<JobStatus> {
    // `round` makes a retried call (its answer lost) count once: each round moves reserveRound from round - 1.
    const item = await this.conditionalUpdate(id, {
      UpdateExpression: `SET #round = :round${mark !== undefined ? ", #mark = :mark" : ""} ADD #sent :count, #pending :count`,
      ConditionExpression:
        round === 1 ? "attribute_exists(pk) AND attribute_not_exists(#round)" : "#round = :previous",
      ExpressionAttributeNames: {
        "#sent": "sent",
        "#pending": "pending",
        "#round": "reserveRound",
        ...(mark !== undefined ? { "#mark": "ingestMark" } : {}),
      },
      ExpressionAttributeValues: {
        ":count": n(count),
        ":round": n(round),
        ...(round === 1 ? {} : { ":previous": n(round - 1) }),
        ...(mark !== undefined ? { ":mark": s(JSON.stringify(mark)) } : {}),
      },
    });
    if (item !== undefined) return jobFromItem(item).status;
    const job = await this.getJobItem(id);
    if (job === undefined) throw new JobNotFoundError(id);
    if (Number(job.reserveRound?.N ?? 0) !== round) {
      throw new JobConflictError(
        id,
        `reservation round ${round} does not follow ${job.reserveRound?.N ?? "none"}`,
      );
    }
    return jobFromItem(job).status;
  }

  public async finishIngest(id: string, totals: IngestTotals, reserved: number): Promise<Job> {
    // The reserved users that were not sent leave `sent` and `pending`; those SQS refused count as failedToSend.
    const notSent = reserved - totals.sent;
    const cancelledUnsent = totals.cancelledUnsent ?? 0;
    const counts = ["users", "valid", "rejected", "unchanged", "failedToSend"] as const;
    const names: Record<string, string> = {
      "#status": "status",
      "#ingestFinishedAt": "ingestFinishedAt",
      "#reports": "reports",
      "#sent": "sent",
      "#pending": "pending",
      "#revision": "revision",
      "#cancelled": "cancelled",
      ...Object.fromEntries(counts.map((name) => [`#${name}`, name])),
    };
    const values: Item = {
      ":minus": n(-notSent),
      ":sentDelta": n(cancelledUnsent - notSent),
      ":cancelledUnsent": n(cancelledUnsent),
      ":one": n(1),
      ":at": s(totals.finishedAt),
      ":reports": reportsValue(totals.reports),
      ...Object.fromEntries(counts.map((name) => [`:${name}`, n(totals[name])])),
    };
    const sets = [
      ...counts.map((name) => `#${name} = :${name}`),
      "#ingestFinishedAt = :at",
      "#reports = :reports",
    ];
    const adds = "ADD #sent :sentDelta, #pending :minus, #cancelled :cancelledUnsent, #revision :one";
    // Moves on to `applying` only from the ingest statuses: a job cancelled (or paused) meanwhile keeps its status.
    const end = totals.end;
    const moved = await this.conditionalUpdate(id, {
      UpdateExpression: `SET ${[...sets, "#status = :next", ...(end ? ["#reason = :reason"] : [])].join(", ")} ${adds}`,
      ConditionExpression: "#status IN (:validating, :sending) AND attribute_not_exists(#ingestFinishedAt)",
      ExpressionAttributeNames: { ...names, ...(end ? { "#reason": "reason" } : {}) },
      ExpressionAttributeValues: {
        ...values,
        ":next": s(end?.status ?? "applying"),
        ...(end ? { ":reason": s(end.reason) } : {}),
        ":validating": s("validating"),
        ":sending": s("sending"),
      },
    });
    if (moved !== undefined) return jobFromItem(moved);
    const { "#status": _status, ...otherNames } = names;
    const kept = await this.conditionalUpdate(id, {
      UpdateExpression: `SET ${sets.join(", ")} ${adds}`,
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#ingestFinishedAt)",
      ExpressionAttributeNames: otherNames,
      ExpressionAttributeValues: values,
    });
    if (kept !== undefined) return jobFromItem(kept);
    return this.requireJob(id);
  }

  public async endIngest(
    id: string,
    status: "failed" | "rejected",
    reason: string,
    counts: Partial<JobCounts> = {},
  ): Promise<Job> {
    const names: Record<string, string> = {
      "#status": "status",
      "#reason": "reason",
      "#ingestFinishedAt": "ingestFinishedAt",
      "#revision": "revision",
    };
    const values: Item = {
      ":status": s(status),
      ":reason": s(reason),
      ":at": s(new Date(this.clock()).toISOString()),
      ":one": n(1),
    };
    const sets = ["#status = :status", "#reason = :reason", "#ingestFinishedAt = :at"];
    for (const [name, value] of Object.entries(counts)) {
      names[`#${name}`] = name;
      values[`:${name}`] = n(value);
      sets.push(`#${name} = :${name}`);
    }
    const item = await this.conditionalUpdate(id, {
      UpdateExpression: `SET ${sets.join(", ")} ADD #revision :one`,
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#ingestFinishedAt)",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return item === undefined ? this.requireJob(id) : jobFromItem(item);
  }

  public async recordOutcomes(jobId: string, outcomes: UserOutcomeRecord[]): Promise<RecordedOutcomes> {
    // One record per user: a batch can hold the same user twice only as a duplicate message.
    const byUser = new Map(outcomes.map((outcome) => [outcome.userId, outcome]));
    if (byUser.size === 0) return { job: await this.getJob(jobId), changed: [], unchanged: [] };
    let token = this.token();
    const results = await Promise.all(
      [...byUser.values()].map((outcome) => this.writeOutcome(jobId, outcome, token)),
    );
    let changes = results.filter((result): result is Change => result !== undefined);
    const unchanged = [...byUser.keys()].filter(
      (userId) => !changes.some((change) => change.userId === userId),
    );
    if (changes.length === 0) return { job: await this.getJob(jobId), changed: [], unchanged };

    for (let attempt = 1; ; attempt += 1) {
      const committed = await this.commit(jobId, token, changes);
      if (committed.kind === "committed") {
        await this.close(jobId, token, changes);
        const changed = changes.map((change) => change.userId);
        const lost = [...byUser.keys()].filter(
          (userId) => !changed.includes(userId) && !unchanged.includes(userId),
        );
        return { job: committed.job, changed, unchanged: [...unchanged, ...lost] };
      }
      if (committed.kind === "noJob") return { job: undefined, changed: [], unchanged };
      // Aborted by a writer that took this batch for crashed: re-commit the users it did not take over.
      if (attempt >= MAX_TRIES_PER_USER) {
        throw new JobConflictError(
          jobId,
          `could not commit a batch's outcomes in ${MAX_TRIES_PER_USER} tries`,
        );
      }
      const next = this.token();
      const kept = await Promise.all(changes.map((change) => this.retoken(jobId, change, token, next)));
      changes = changes.filter((_, index) => kept[index]);
      token = next;
      if (changes.length === 0) return { job: await this.getJob(jobId), changed: [], unchanged };
    }
  }

  public async getOutcomes(jobId: string, userIds: string[]): Promise<Map<string, UserOutcome>> {
    const found = new Map<string, UserOutcome>();
    const unique = [...new Set(userIds)];
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Item[] | undefined = unique
        .slice(start, start + 100)
        .map((userId) => outcomeKey(jobId, userId));
      for (let round = 0; keys !== undefined && keys.length > 0; round += 1) {
        const result: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: "sk, outcome, txn, prev",
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          // An open write (`txn`) is not counted yet: its user counts as what it was before.
          const outcome = (item.txn !== undefined ? item.prev?.S : item.outcome?.S) as
            | UserOutcome
            | typeof NONE;
          const userId = item.sk?.S?.slice("USER#".length);
          if (userId !== undefined && outcome !== undefined && outcome !== NONE) found.set(userId, outcome);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
        if (round > 20) throw new JobConflictError(jobId, "BatchGetItem kept leaving keys unprocessed");
      }
    }
    return found;
  }

  public async listOutcomes(jobId: string, outcome?: UserOutcome): Promise<UserOutcomeRecord[]> {
    const records: UserOutcomeRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :user)",
          ConsistentRead: true,
          ExpressionAttributeValues: { ":pk": s(outcomePartition(jobId)), ":user": s("USER#") },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const record = outcomeFromItem(item);
        // An open write is not counted yet (see recordOutcomes); its user is listed as counted.
        const counted = item.txn !== undefined ? (item.prev?.S as UserOutcome | typeof NONE) : record.outcome;
        if (counted === NONE || (outcome !== undefined && counted !== outcome)) continue;
        if (counted !== record.outcome)
          records.push({ userId: record.userId, outcome: counted, at: record.at });
        else records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return records;
  }

  public async finish(id: string, finishedAt: string): Promise<Job | undefined> {
    const item = await this.getJobItem(id);
    if (item === undefined) return undefined;
    const job = jobFromItem(item);
    const revision = Number(item.revision?.N ?? 0);
    const reported = Number(item.reportedRevision?.N ?? -1);
    if (job.ingestFinishedAt === undefined || job.pending !== 0 || revision <= reported) return undefined;
    if (job.status === "validating" || job.status === "sending") return undefined;
    // Paused with nothing pending (paused a moment before its last users were counted): nothing is held, so
    // the job completes like an applying one.
    const paused = job.status === "paused";
    const finisher = this.token();
    const target: JobStatus =
      paused ||
      job.status === "applying" ||
      job.status === "complete" ||
      job.status === "complete-with-failures"
        ? job.failed > 0
          ? "complete-with-failures"
          : "complete"
        : job.status;
    const done = await this.conditionalUpdate(id, {
      UpdateExpression:
        "SET #status = :target, #finishedAt = if_not_exists(#finishedAt, :at), #reportedRevision = :revision, #finishedBy = :by" +
        (paused ? " REMOVE #before, #reason" : ""),
      ConditionExpression: "#status = :current AND #revision = :revision AND #pending = :zero",
      ExpressionAttributeNames: {
        ...(paused ? { "#before": "statusBeforePause", "#reason": "reason" } : {}),
        "#status": "status",
        "#finishedAt": "finishedAt",
        "#reportedRevision": "reportedRevision",
        "#revision": "revision",
        "#pending": "pending",
        "#finishedBy": "finishedBy",
      },
      ExpressionAttributeValues: {
        ":by": s(finisher),
        ":target": s(target),
        ":current": s(job.status),
        ":at": s(finishedAt),
        ":revision": n(revision),
        ":zero": n(0),
      },
    });
    if (done !== undefined) return jobFromItem(done);
    // Our own update, answered after a retry, is still ours to report.
    const after = await this.getJobItem(id);
    return after?.finishedBy?.S === finisher && after.reportedRevision?.N === String(revision)
      ? jobFromItem(after)
      : undefined;
  }

  public async setReports(id: string, reports: JobReports): Promise<void> {
    const names: Record<string, string> = { "#reports": "reports" };
    const values: Item = {};
    const sets: string[] = [];
    for (const [name, value] of Object.entries(reports)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = s(value);
      sets.push(`#reports.#${name} = :${name}`);
    }
    if (sets.length === 0) return;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: jobKey(id),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  public async cancel(id: string): Promise<Job> {
    const open = ["validating", "sending", "applying", "paused"] as const;
    const item = await this.conditionalUpdate(id, {
      // A paused job's reason goes with its pause.
      UpdateExpression: "SET #status = :cancelled REMOVE #before, #reason ADD #revision :one",
      ConditionExpression: `#status IN (${open.map((_, index) => `:s${index}`).join(", ")})`,
      ExpressionAttributeNames: {
        "#status": "status",
        "#revision": "revision",
        "#before": "statusBeforePause",
        "#reason": "reason",
      },
      ExpressionAttributeValues: {
        ":cancelled": s("cancelled"),
        ":one": n(1),
        ...Object.fromEntries(open.map((status, index) => [`:s${index}`, s(status)])),
      },
    });
    if (item !== undefined) return jobFromItem(item);
    const job = await this.requireJob(id);
    // Cancelled already (by us, answered after a retry, or by someone else): the same end.
    if (job.status === "cancelled" && job.finishedAt === undefined) return job;
    throw new JobStatusError(id, job.status, "cancel");
  }

  public async pause(id: string, reason: string): Promise<Job> {
    // Only while users are pending: a job whose last user was just counted is finishing, not paused.
    const item = await this.conditionalUpdate(id, {
      UpdateExpression: "SET #before = #status, #status = :paused, #reason = :reason",
      ConditionExpression: "#status IN (:sending, :applying) AND #pending > :zero",
      ExpressionAttributeNames: {
        "#status": "status",
        "#before": "statusBeforePause",
        "#reason": "reason",
        "#pending": "pending",
      },
      ExpressionAttributeValues: {
        ":paused": s("paused"),
        ":reason": s(reason),
        ":sending": s("sending"),
        ":applying": s("applying"),
        ":zero": n(0),
      },
    });
    if (item !== undefined) return jobFromItem(item);
    const job = await this.requireJob(id);
    if (job.status === "paused") return job;
    throw new JobStatusError(id, job.status, "pause");
  }

  public async resume(id: string): Promise<Job> {
    for (let attempt = 1; attempt <= MAX_TRIES_PER_USER; attempt += 1) {
      const current = await this.getJobItem(id);
      if (current === undefined) throw new JobNotFoundError(id);
      const before = current.statusBeforePause?.S;
      if (current.status?.S !== "paused" || before === undefined) {
        throw new JobStatusError(id, jobFromItem(current).status, "resume");
      }
      // Paused while sending, and ingest finished meanwhile: the job is applying now.
      const finishedIngest = current.ingestFinishedAt !== undefined;
      const target = before === "sending" && finishedIngest ? "applying" : before;
      const item = await this.conditionalUpdate(id, {
        UpdateExpression: "SET #status = :target REMOVE #before, #reason",
        ConditionExpression: `#status = :paused AND #before = :before AND ${finishedIngest ? "attribute_exists" : "attribute_not_exists"}(#ingestFinishedAt)`,
        ExpressionAttributeNames: {
          "#status": "status",
          "#before": "statusBeforePause",
          "#reason": "reason",
          "#ingestFinishedAt": "ingestFinishedAt",
        },
        ExpressionAttributeValues: { ":paused": s("paused"), ":before": s(before), ":target": s(target) },
      });
      if (item !== undefined) return jobFromItem(item);
    }
    throw new JobConflictError(id, `could not resume the job in ${MAX_TRIES_PER_USER} tries`);
  }

  // ---- the four steps of recordOutcomes ----

  /** Step 1 for one user: the change written (open under `token`), or undefined when it is already recorded. */
  private async writeOutcome(
    jobId: string,
    outcome: UserOutcomeRecord,
    token: string,
  ): Promise<Change | undefined> {
    const allowed = ALLOWED_FROM[outcome.outcome];
    let waitedFor: string | undefined;
    for (let attempt = 1; attempt <= MAX_TRIES_PER_USER; attempt += 1) {
      const fresh = await this.tryWrite(jobId, outcome, token, { kind: "fresh" });
      if (fresh !== undefined) return fresh;
      const item = await this.getItem(outcomeKey(jobId, outcome.userId));
      if (item === undefined) continue;
      const open = item.txn?.S;
      const current = (item.outcome?.S ?? NONE) as UserOutcome | typeof NONE;
      if (open === undefined) {
        if (!allowed.includes(current)) return undefined;
        continue;
      }
      if (open === token) {
        // Our own write, answered after a retry: the change is ours.
        return {
          userId: outcome.userId,
          prev: (item.prev?.S ?? NONE) as UserOutcome | typeof NONE,
          to: outcome.outcome,
        };
      }
      if (waitedFor !== open) {
        // Most likely a live batch about to commit (a crashed one is found much later, by the redelivery):
        // give it a moment before aborting it, so that concurrent batches do not keep aborting each other.
        waitedFor = open;
        await this.sleep(this.graceMs * (0.5 + this.random()));
        continue;
      }
      const state = await this.resolve(jobId, open);
      if (state === "committed") {
        await this.closeOne(jobId, outcome.userId, open);
        continue;
      }
      // Aborted: the user counts as `prev`; take it over from there.
      const prev = (item.prev?.S ?? NONE) as UserOutcome | typeof NONE;
      if (!allowed.includes(prev)) {
        await this.restore(jobId, outcome.userId, open, prev);
        return undefined;
      }
      const taken = await this.tryWrite(jobId, outcome, token, { kind: "takeover", from: open, prev });
      if (taken !== undefined) return taken;
    }
    throw new JobConflictError(jobId, `could not record a user's outcome in ${MAX_TRIES_PER_USER} tries`);
  }

  private async tryWrite(
    jobId: string,
    outcome: UserOutcomeRecord,
    token: string,
    mode: { kind: "fresh" } | { kind: "takeover"; from: string; prev: UserOutcome | typeof NONE },
  ): Promise<Change | undefined> {
    const names: Record<string, string> = {
      "#outcome": "outcome",
      "#txn": "txn",
      "#at": "at",
      "#expiresAt": "expiresAt",
    };
    const values: Item = {
      ":to": s(outcome.outcome),
      ":txn": s(token),
      ":at": s(outcome.at),
      ":expiresAt": n(Math.floor(this.clock() / 1000) + this.outcomeTtlSeconds),
    };
    const sets = ["#outcome = :to", "#txn = :txn", "#at = :at", "#expiresAt = :expiresAt"];
    const removes: string[] = [];
    if (outcome.line !== undefined) {
      names["#line"] = "line";
      values[":line"] = n(outcome.line);
      sets.push("#line = :line");
    }
    const reason = outcome.outcome === "failed" ? outcome.reason : undefined;
    for (const field of FAILURE_FIELDS) {
      names[`#${field}`] = field;
      const value = reason?.[field];
      if (value === undefined || value === "") removes.push(`#${field}`);
      else {
        values[`:${field}`] = typeof value === "number" ? n(value) : s(value);
        sets.push(`#${field} = :${field}`);
      }
    }
    let condition: string;
    if (mode.kind === "fresh") {
      names["#prev"] = "prev";
      sets.push("#prev = if_not_exists(#outcome, :none)");
      values[":none"] = s(NONE);
      const from = ALLOWED_FROM[outcome.outcome].filter((state) => state !== NONE);
      from.forEach((state, index) => {
        values[`:from${index}`] = s(state);
      });
      condition =
        from.length === 0
          ? "attribute_not_exists(#txn) AND attribute_not_exists(#outcome)"
          : `attribute_not_exists(#txn) AND (attribute_not_exists(#outcome) OR #outcome IN (${from.map((_, index) => `:from${index}`).join(", ")}))`;
    } else {
      values[":open"] = s(mode.from);
      condition = "#txn = :open";
    }
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outcomeKey(jobId, outcome.userId),
          UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_OLD",
        }),
      );
      const prev =
        mode.kind === "takeover"
          ? mode.prev
          : ((result.Attributes?.outcome?.S ?? NONE) as UserOutcome | typeof NONE);
      return { userId: outcome.userId, prev, to: outcome.outcome };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Step 2: the batch's changes added to the job's counts, if the batch was not aborted meanwhile. */
  private async commit(
    jobId: string,
    token: string,
    changes: Change[],
  ): Promise<{ kind: "committed"; job: Job } | { kind: "aborted" } | { kind: "noJob" }> {
    const delta = new Map<string, number>();
    for (const change of changes) {
      delta.set(change.to, (delta.get(change.to) ?? 0) + 1);
      const from = change.prev === NONE ? "pending" : change.prev;
      delta.set(from, (delta.get(from) ?? 0) - 1);
    }
    const entries = [...delta.entries()].filter(([, value]) => value !== 0);
    const names: Record<string, string> = {
      "#committed": "txnCommitted",
      "#aborted": "txnAborted",
      "#revision": "revision",
    };
    const values: Item = { ":tokens": { SS: [token] }, ":token": s(token), ":one": n(1) };
    entries.forEach(([name, value], index) => {
      names[`#c${index}`] = name;
      values[`:c${index}`] = n(value);
    });
    const adds = [
      ...entries.map((_, index) => `#c${index} :c${index}`),
      "#committed :tokens",
      "#revision :one",
    ];
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `ADD ${adds.join(", ")}`,
          ConditionExpression:
            "attribute_exists(pk) AND NOT contains(#aborted, :token) AND NOT contains(#committed, :token)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return { kind: "committed", job: jobFromItem(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = await this.getJobItem(jobId);
      if (item === undefined) return { kind: "noJob" };
      // Committed already: our own commit, answered after a retry.
      if (item.txnCommitted?.SS?.includes(token)) return { kind: "committed", job: jobFromItem(item) };
      return { kind: "aborted" };
    }
  }

  /** Steps 3 and 4; a failure leaves the token committed, which any later writer can still read. */
  private async close(jobId: string, token: string, changes: Change[]): Promise<void> {
    const closed = await Promise.all(
      changes.map((change) =>
        this.closeOne(jobId, change.userId, token).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!closed.every(Boolean)) return;
    await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: "DELETE #committed :tokens",
          ExpressionAttributeNames: { "#committed": "txnCommitted" },
          ExpressionAttributeValues: { ":tokens": { SS: [token] } },
        }),
      )
      .catch(() => {});
  }

  private async closeOne(jobId: string, userId: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outcomeKey(jobId, userId),
          UpdateExpression: "REMOVE #txn, #prev",
          ConditionExpression: "#txn = :token",
          ExpressionAttributeNames: { "#txn": "txn", "#prev": "prev" },
          ExpressionAttributeValues: { ":token": s(token) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** An aborted write whose user may not move to the new outcome: the user goes back to what it counts as. */
  private async restore(
    jobId: string,
    userId: string,
    open: string,
    prev: UserOutcome | typeof NONE,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outcomeKey(jobId, userId),
          UpdateExpression:
            prev === NONE ? "REMOVE #txn, #prev, #outcome" : "SET #outcome = :prev REMOVE #txn, #prev",
          ConditionExpression: "#txn = :open",
          ExpressionAttributeNames: { "#txn": "txn", "#prev": "prev", "#outcome": "outcome" },
          ExpressionAttributeValues: { ":open": s(open), ...(prev === NONE ? {} : { ":prev": s(prev) }) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Moves one of this batch's open users to a new token after the batch was aborted; false if taken over. */
  private async retoken(jobId: string, change: Change, from: string, to: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outcomeKey(jobId, change.userId),
          UpdateExpression: "SET #txn = :to",
          ConditionExpression: "#txn = :from",
          ExpressionAttributeNames: { "#txn": "txn" },
          ExpressionAttributeValues: { ":to": s(to), ":from": s(from) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Whether another batch's open write `open` was committed, or is now aborted (by us, if nobody had decided). */
  private async resolve(jobId: string, open: string): Promise<"committed" | "aborted"> {
    const item = await this.getJobItem(jobId);
    if (item?.txnCommitted?.SS?.includes(open)) return "committed";
    if (item?.txnAborted?.SS?.includes(open)) return "aborted";
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: "ADD #aborted :tokens",
          ConditionExpression: "attribute_exists(pk) AND NOT contains(#committed, :token)",
          ExpressionAttributeNames: { "#aborted": "txnAborted", "#committed": "txnCommitted" },
          ExpressionAttributeValues: { ":tokens": { SS: [open] }, ":token": s(open) },
        }),
      );
      return "aborted";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.getJobItem(jobId)) === undefined ? "aborted" : "committed";
    }
  }

  // ---- helpers ----

  private async requireJob(id: string): Promise<Job> {
    const job = await this.getJob(id);
    if (job === undefined) throw new JobNotFoundError(id);
    return job;
  }

  private getJobItem(id: string): Promise<Item | undefined> {
    return this.getItem(jobKey(id));
  }

  private async getItem(key: Item): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** An update of the job item: its new image, or undefined when the condition did not hold. */
  private conditionalUpdate(id: string, input: JobItemUpdate): Promise<Item | undefined> {
    return updateJobItem(this.client, this.tableName, id, input);
  }
}

/** Whether the job's status means nothing more is sent (cancelled, failed...). */
export function isFinished(status: JobStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}
