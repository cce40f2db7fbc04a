import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { JobRecordError } from "./errors.js";
import {
  COUNT_NAMES,
  type Job,
  type JobReports,
  type JobStatus,
  type StoredCheckpoint,
  type UserOutcome,
  type UserOutcomeRecord,
} from "./types.js";

/**
 * The items of the jobs table (one table, `pk`/`sk` strings, TTL attribute `expiresAt`, no index):
 *
 * | item | pk | sk |
 * |---|---|---|
 * | job | `JOBS` (one partition: listing is one Query) | `JOB#<jobId>` |
 * | per-user outcome | `JOB#<jobId>` | `USER#<userId>` (expires after the outcome TTL) |
 * | per-user sync state (issue 11) | `SYNC#<tenant>#<userId>` | `STATE` |
 *
 * No item holds a factor value: ids, line numbers, outcomes, counts, timestamps, Auth0's status and message
 * (without the user's factor values).
 */
export const JOBS_PARTITION = "JOBS";

export type Item = Record<string, AttributeValue>;

export const jobKey = (jobId: string): Item => ({ pk: { S: JOBS_PARTITION }, sk: { S: `JOB#${jobId}` } });
export const outcomePartition = (jobId: string) => `JOB#${jobId}`;
export const outcomeKey = (jobId: string, userId: string): Item => ({
  pk: { S: outcomePartition(jobId) },
  sk: { S: `USER#${userId}` },
});
/** The key of a user's sync state in a tenant (issue 11 writes it; here so every key scheme is in one place). */
export const syncStateKey = (tenant: string, userId: string): Item => ({
  pk: { S: `SYNC#${tenant}#${userId}` },
  sk: { S: "STATE" },
});

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

function str(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

function num(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}

const REPORT_NAMES = ["rejects", "summary", "unsent", "result", "failures"] as const;

/** Reports as a DynamoDB map of strings. */
export function reportsValue(reports: JobReports): AttributeValue {
  const map: Item = {};
  for (const name of REPORT_NAMES) {
    const value = reports[name];
    if (value !== undefined) map[name] = s(value);
  }
  return { M: map };
}

/** Reads a job item. @throws {@link JobRecordError} when it is not one. */
export function jobFromItem(item: Item): Job {
  const id = str(item, "id");
  const bucket = str(item, "bucket");
  const key = str(item, "key");
  const status = str(item, "status") as JobStatus | undefined;
  const startedAt = str(item, "startedAt");
  if (!id || !bucket || !key || !status || !startedAt) {
    throw new JobRecordError(`not a job item: ${str(item, "sk") ?? "(no sk)"}`);
  }
  const reportsMap = item.reports?.M ?? {};
  const reports: JobReports = {};
  for (const name of REPORT_NAMES) {
    const value = reportsMap[name]?.S;
    if (value !== undefined) reports[name] = value;
  }
  const versionId = str(item, "versionId");
  const sequencer = str(item, "sequencer");
  const checkpoint = str(item, "checkpoint");
  const counts = Object.fromEntries(COUNT_NAMES.map((name) => [name, num(item, name) ?? 0])) as Record<
    (typeof COUNT_NAMES)[number],
    number
  >;
  const optional = {
    reason: str(item, "reason"),
    finishedAt: str(item, "finishedAt"),
    ingestFinishedAt: str(item, "ingestFinishedAt"),
    rpsCeiling: num(item, "rpsCeiling"),
    checkpoint: checkpoint === undefined ? undefined : (JSON.parse(checkpoint) as StoredCheckpoint),
  };
  return {
    id,
    source: { bucket, key, ...(versionId ? { versionId } : {}), ...(sequencer ? { sequencer } : {}) },
    status,
    startedAt,
    ingestInvocations: num(item, "ingestInvocations") ?? 0,
    ...counts,
    reports,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** Reads a per-user outcome item. */
export function outcomeFromItem(item: Item): UserOutcomeRecord {
  const sk = str(item, "sk") ?? "";
  const outcome = str(item, "outcome") as UserOutcome | undefined;
  if (!sk.startsWith("USER#") || !outcome) throw new JobRecordError(`not an outcome item: ${sk}`);
  const line = num(item, "line");
  const status = str(item, "status");
  return {
    userId: sk.slice("USER#".length),
    outcome,
    at: str(item, "at") ?? "",
    ...(line !== undefined ? { line } : {}),
    ...(status !== undefined
      ? {
          reason: {
            status,
            ...(str(item, "errorCode") ? { errorCode: str(item, "errorCode") } : {}),
            message: str(item, "message") ?? "",
            attempts: num(item, "attempts") ?? 0,
            failedAt: str(item, "failedAt") ?? "",
          },
        }
      : {}),
  };
}
