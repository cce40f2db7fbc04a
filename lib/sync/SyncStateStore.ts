import { setTimeout as delay } from "node:timers/promises";
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import pLimit from "p-limit";
import { syncStateKey } from "../jobs/dynamoItems.js";
import { SyncLookupError, SyncStateStoreOptionsError } from "./errors.js";
import type { PutClaim, SendClaim, SyncState } from "./types.js";

type Item = Record<string, AttributeValue>;

/** Options of {@link SyncStateStore}. */
export interface SyncStateStoreOptions {
  client: DynamoDBClient;
  /** The jobs table (`JOBS_TABLE`). */
  tableName: string;
  /** BatchGetItem calls in flight during a lookup. @default 8 @throws {@link SyncStateStoreOptionsError} when not a positive integer. */
  lookupConcurrency?: number;
  /** Rounds of retrying a BatchGetItem's UnprocessedKeys (with exponential backoff). @default 10 */
  maxUnprocessedRounds?: number;
  /** @default node:timers/promises setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** Keys one BatchGetItem call may ask for (DynamoDB's limit). */
export const BATCH_GET_LIMIT = 100;

const STATE_FIELDS = [
  "hmac",
  "appliedOrder",
  "appliedJob",
  "appliedAt",
  "claimOrder",
  "claimJob",
  "putOrder",
] as const;

/** What {@link SyncStateStore.recordApplied} writes after a 2xx. */
export interface AppliedState {
  hmac: string;
  order: string;
  jobId: string;
  /** ISO 8601. */
  at: string;
}

/**
 * The per-user sync state in the jobs table (pk `SYNC#<tenant>#<userId>`, sk `STATE`; see `lib/jobs/dynamoItems.ts`),
 * with conditional single-item writes only. Its items hold ids, orders, timestamps and an HMAC: never a factor
 * value.
 *
 * The order rule: a user's `claimOrder` only grows (ingest claims a user before sending it, apply again before
 * its PUT), `appliedOrder` only grows (after a 2xx), and a record whose file is older than either ends
 * `superseded` without calling Auth0. A claim before a PUT also takes a lease (`putOrder`, `putUntil`): while an
 * older record's PUT is in flight a newer one waits (`busy`), so the two PUTs cannot reach Auth0 out of order.
 *
 * @example
 * const store = new SyncStateStore({ client, tableName: process.env.JOBS_TABLE });
 * const states = await store.lookUp("tenant.eu.auth0.com", ["auth0|a", "auth0|b"]);
 */
export class SyncStateStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly lookupConcurrency: number;
  private readonly maxRounds: number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(options: SyncStateStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.lookupConcurrency = options.lookupConcurrency ?? 8;
    this.maxRounds = options.maxUnprocessedRounds ?? 10;
    if (!Number.isInteger(this.lookupConcurrency) || this.lookupConcurrency < 1) {
      throw new SyncStateStoreOptionsError(
        "lookupConcurrency",
        `must be a positive integer, got ${this.lookupConcurrency}`,
      );
    }
    this.sleep = options.sleep ?? ((ms) => delay(ms).then(() => {}));
  }

  /**
   * The states of these users in the tenant (absent: nothing recorded), with BatchGetItem: 100 keys a call,
   * `lookupConcurrency` calls in flight, UnprocessedKeys retried with backoff. Strongly consistent reads: a state
   * written a moment ago counts.
   *
   * @throws {@link SyncLookupError} when keys stay unprocessed after every retry.
   */
  public async lookUp(tenant: string, userIds: readonly string[]): Promise<Map<string, SyncState>> {
    const unique = [...new Set(userIds)];
    const found = new Map<string, SyncState>();
    const limit = pLimit(this.lookupConcurrency);
    const prefix = `SYNC#${tenant}#`;
    const calls: Promise<void>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      const keys = unique.slice(start, start + BATCH_GET_LIMIT).map((userId) => syncStateKey(tenant, userId));
      calls.push(
        limit(async () => {
          for (const item of await this.batchGet(keys)) {
            const pk = item.pk?.S;
            if (pk?.startsWith(prefix)) found.set(pk.slice(prefix.length), stateFromItem(item));
          }
        }),
      );
    }
    await Promise.all(calls);
    return found;
  }

  /** One user's state, strongly consistent. */
  public async get(tenant: string, userId: string): Promise<SyncState | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: syncStateKey(tenant, userId),
        ConsistentRead: true,
      }),
    );
    return result.Item === undefined ? undefined : stateFromItem(result.Item);
  }

  /**
   * Ingest, before sending a user: records that the job of `order` means to write it, so that any older job's
   * record still in the queue ends `superseded`. False when a newer job already claimed or applied the user (the
   * user is sent all the same; apply finds it superseded and counts it).
   */
  public async claimForSend(tenant: string, userId: string, order: string, jobId: string): Promise<boolean> {
    return (await this.claimToSend(tenant, userId, order, jobId)) !== undefined;
  }

  /**
   * {@link claimForSend}, returning the claim it replaced (to give back with {@link releaseSendClaim} if the user
   * is not sent after all); undefined when a newer job already claimed or applied the user.
   */
  public async claimToSend(
    tenant: string,
    userId: string,
    order: string,
    jobId: string,
  ): Promise<SendClaim | undefined> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: syncStateKey(tenant, userId),
          UpdateExpression: "SET claimOrder = :o, claimJob = :j",
          ConditionExpression:
            "(attribute_not_exists(claimOrder) OR claimOrder <= :o) AND (attribute_not_exists(appliedOrder) OR appliedOrder <= :o)",
          ExpressionAttributeValues: { ":o": { S: order }, ":j": { S: jobId } },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      const before = result.Attributes ?? {};
      return {
        order,
        jobId,
        ...(before.claimOrder?.S !== undefined ? { previousOrder: before.claimOrder.S } : {}),
        ...(before.claimJob?.S !== undefined ? { previousJob: before.claimJob.S } : {}),
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Ingest, for a user it claimed and then did not send (the job cancelled, the file stopped): puts the claim it
   * replaced back, if the user's claim is still this one and no PUT holds it, so that an older file's record is
   * not superseded by a file that never sent the user. False when nothing was given back (a newer claim took over).
   */
  public async releaseSendClaim(tenant: string, userId: string, claim: SendClaim): Promise<boolean> {
    const restore =
      claim.previousOrder === undefined
        ? "REMOVE claimOrder, claimJob"
        : claim.previousJob === undefined
          ? "SET claimOrder = :po REMOVE claimJob"
          : "SET claimOrder = :po, claimJob = :pj";
    return this.conditional(tenant, userId, {
      UpdateExpression: restore,
      ConditionExpression: "claimOrder = :o AND claimJob = :j AND attribute_not_exists(putOrder)",
      ExpressionAttributeValues: {
        ":o": { S: claim.order },
        ":j": { S: claim.jobId },
        ...(claim.previousOrder !== undefined ? { ":po": { S: claim.previousOrder } } : {}),
        ...(claim.previousOrder !== undefined && claim.previousJob !== undefined
          ? { ":pj": { S: claim.previousJob } }
          : {}),
      },
    });
  }

  /**
   * Ingest, for a user {@link isUnchanged} found unchanged: records that this file's order holds the methods
   * already applied (`claimOrder` and `appliedOrder` become `order`), so that an older file's record still to be
   * ingested or applied ends `superseded` instead of overwriting them. Written only if the state is still what
   * made the user unchanged: the same HMAC, no open claim (`claimOrder = appliedOrder`), no PUT in flight, and no
   * newer file's order. False when any of that changed since the lookup: the user is then not unchanged and is
   * sent (claimed like any other).
   */
  public async confirmUnchanged(
    tenant: string,
    userId: string,
    confirm: { hmac: string; order: string; jobId: string },
  ): Promise<boolean> {
    return this.conditional(tenant, userId, {
      UpdateExpression: "SET claimOrder = :o, claimJob = :j, appliedOrder = :o",
      ConditionExpression:
        "hmac = :h AND (attribute_not_exists(claimOrder) OR claimOrder = appliedOrder) AND appliedOrder <= :o AND attribute_not_exists(putOrder)",
      ExpressionAttributeValues: {
        ":h": { S: confirm.hmac },
        ":o": { S: confirm.order },
        ":j": { S: confirm.jobId },
      },
    });
  }

  /**
   * Apply, just before the PUT: claims the user for the record of `order` and takes a lease until `nowMs +
   * leaseMs` (the longest a PUT of this invocation can be in flight). `superseded` when a newer job claimed or
   * applied the user; `busy` when another record's PUT holds a live lease (retry after a short delay).
   */
  public async claimForPut(
    tenant: string,
    userId: string,
    claim: { order: string; jobId: string; nowMs: number; leaseMs: number },
  ): Promise<PutClaim> {
    const claimed = await this.conditional(tenant, userId, {
      UpdateExpression: "SET claimOrder = :o, claimJob = :j, putOrder = :o, putUntil = :until",
      ConditionExpression:
        "(attribute_not_exists(claimOrder) OR claimOrder <= :o) AND (attribute_not_exists(appliedOrder) OR appliedOrder <= :o) AND (attribute_not_exists(putUntil) OR putUntil < :now OR putOrder = :o)",
      ExpressionAttributeValues: {
        ":o": { S: claim.order },
        ":j": { S: claim.jobId },
        ":until": { N: String(Math.ceil(claim.nowMs + claim.leaseMs)) },
        ":now": { N: String(Math.floor(claim.nowMs)) },
      },
    });
    if (claimed) return "claimed";
    const state = await this.get(tenant, userId);
    if (isNewer(state?.claimOrder, claim.order) || isNewer(state?.appliedOrder, claim.order))
      return "superseded";
    return "busy";
  }

  /**
   * Apply, after a 2xx: the user's state becomes this record's methods (by HMAC), order and job, and its lease
   * ends. False (nothing written) when a newer file's methods were applied meanwhile or its lease was taken over.
   */
  public async recordApplied(tenant: string, userId: string, applied: AppliedState): Promise<boolean> {
    return this.conditional(tenant, userId, {
      UpdateExpression:
        "SET hmac = :h, appliedOrder = :o, appliedJob = :j, appliedAt = :at REMOVE putOrder, putUntil",
      ConditionExpression:
        "(attribute_not_exists(appliedOrder) OR appliedOrder <= :o) AND (attribute_not_exists(putOrder) OR putOrder = :o)",
      ExpressionAttributeValues: {
        ":h": { S: applied.hmac },
        ":o": { S: applied.order },
        ":j": { S: applied.jobId },
        ":at": { S: applied.at },
      },
    });
  }

  /**
   * Apply, after a PUT that did not succeed: the lease ends, the claim stays (so an older record cannot slip in
   * behind it, and the next sync sends the user again).
   */
  public async releasePut(tenant: string, userId: string, order: string): Promise<void> {
    await this.conditional(tenant, userId, {
      UpdateExpression: "REMOVE putOrder, putUntil",
      ConditionExpression: "putOrder = :o",
      ExpressionAttributeValues: { ":o": { S: order } },
    });
  }

  /**
   * Apply, after a 2xx of a message without a sync stamp (its PUT bypassed the claims): the user's HMAC is
   * removed, so that the next sync sends the user instead of skipping it as `unchanged` against methods the
   * tenant no longer holds. Orders and claims stay (they still keep older files out). Nothing is written for a
   * user with no HMAC.
   */
  public async forgetApplied(tenant: string, userId: string): Promise<void> {
    await this.conditional(tenant, userId, {
      UpdateExpression: "REMOVE hmac",
      ConditionExpression: "attribute_exists(hmac)",
    });
  }

  private async batchGet(keys: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let pending: Item[] = keys;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > this.maxRounds) throw new SyncLookupError(pending.length);
      if (round > 0) await this.sleep(Math.min(2000, 25 * 2 ** round) * (0.5 + Math.random() / 2));
      const result = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: pending,
              ConsistentRead: true,
            },
          },
        }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return items;
  }

  private async conditional(
    tenant: string,
    userId: string,
    input: Pick<
      ConstructorParameters<typeof UpdateItemCommand>[0],
      "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({ TableName: this.tableName, Key: syncStateKey(tenant, userId), ...input }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Whether a stored order is newer than `order`. */
function isNewer(stored: string | undefined, order: string): boolean {
  return stored !== undefined && stored > order;
}

function stateFromItem(item: Item): SyncState {
  const state: SyncState = {};
  for (const field of STATE_FIELDS) {
    const value = item[field]?.S;
    if (value !== undefined) state[field] = value;
  }
  const until = item.putUntil?.N;
  if (until !== undefined) state.putUntil = Number(until);
  return state;
}

/**
 * Whether a user whose desired methods have this HMAC may be skipped (`unchanged`), as far as the looked-up state
 * says: this tool last applied the same set, no other job's claim is open on the user (an open claim may be an
 * older file's record still in the queue, or a PUT that failed: then the user is sent, so that the newest file
 * wins), no PUT is in flight, and (given `order`) no newer file's methods were applied. Ingest then still has to
 * {@link SyncStateStore.confirmUnchanged} it; only a confirmed user is unchanged.
 *
 * @example
 * if (isUnchanged(states.get(userId), hmac)) unchanged += 1; else send(user);
 */
export function isUnchanged(state: SyncState | undefined, hmac: string, order?: string): boolean {
  if (state?.hmac === undefined || state.hmac !== hmac) return false;
  if (state.putOrder !== undefined) return false;
  if (order !== undefined && state.appliedOrder !== undefined && state.appliedOrder > order) return false;
  return state.claimOrder === undefined || state.claimOrder === state.appliedOrder;
}
