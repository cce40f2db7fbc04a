import pLimit from "p-limit";
import type { UserFactors } from "../factors/types.js";
import { methodSetHmac } from "./methodSetHmac.js";
import { BATCH_GET_LIMIT, isUnchanged, type SyncStateStore } from "./SyncStateStore.js";
import type { SyncStamp } from "./types.js";

/** What one file's sync is checked against. */
export interface SyncPlan {
  store: SyncStateStore;
  /** The HMAC key (the stack's secret; locally the state folder's key). */
  key: Uint8Array;
  /** The tenant the state is kept under (see {@link tenantId}). */
  tenant: string;
  /** The file's source order (see {@link sourceOrder}). */
  order: string;
  jobId: string;
  /** Send every user, whatever the state says (`sync: full`, `--full`). Users are still claimed. @default false */
  full?: boolean;
}

/** A user of the file with what the sync state says about it. */
export interface SyncedUser {
  user: UserFactors;
  /** What apply needs to write the state after a 2xx. */
  stamp: SyncStamp;
  /** The same methods were last applied by this tool and no other job's claim is open: not sent. */
  unchanged: boolean;
  /**
   * Present (true) when this very file's methods were already applied to the user: an invocation of this ingest
   * that died between checkpoints sent it (issue 14). It is counted as sent, and not sent again.
   */
  appliedByThisFile?: true;
}

/** Options of {@link SyncGate}. */
export interface SyncGateOptions {
  /** Chunks of 100 users whose lookups (and claims) are in flight at once. @default 8 */
  chunksInFlight?: number;
  /** Claims (UpdateItem) in flight within one chunk. @default 25 */
  claimConcurrency?: number;
}

/**
 * Ingest's pass 2 through the sync state: users go in, in file order, and come out in the same order to
 * `onUser`, each marked `unchanged` or not. Users are looked up 100 at a time (one BatchGetItem), several chunks
 * in flight; every user that will be sent is first claimed for this file's order, so an older file's records
 * still in the queue end `superseded`. `add` waits (backpressure) while `chunksInFlight` chunks are open.
 *
 * @example
 * const gate = new SyncGate(plan, async ({ user, stamp, unchanged }) => {
 *   if (unchanged) counts.unchanged += 1; else await queue.enqueue({ ...user, sync: stamp });
 * });
 * for await (const user of validUsers) await gate.add(user);
 * await gate.close();
 */
export class SyncGate {
  private buffer: UserFactors[] = [];
  private readonly open: Promise<SyncedUser[]>[] = [];
  private readonly chunksInFlight: number;
  private readonly claimConcurrency: number;
  /** Users seen so far, and how many of them were unchanged. */
  public readonly counts = { users: 0, unchanged: 0, claimedByNewer: 0 };

  public constructor(
    private readonly plan: SyncPlan,
    private readonly onUser: (user: SyncedUser) => Promise<void>,
    options: SyncGateOptions = {},
  ) {
    this.chunksInFlight = options.chunksInFlight ?? 8;
    this.claimConcurrency = options.claimConcurrency ?? 25;
  }

  public async add(user: UserFactors): Promise<void> {
    this.buffer.push(user);
    if (this.buffer.length < BATCH_GET_LIMIT) return;
    await this.startChunk();
  }

  /** Checks the users still buffered and hands every user on; resolves when `onUser` has seen them all. */
  public async close(): Promise<void> {
    if (this.buffer.length > 0) await this.startChunk();
    while (this.open.length > 0) await this.emitHead();
  }

  private async startChunk(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = [];
    const checked = this.check(chunk);
    // A failed chunk fails `add` or `close` when it reaches the head; until then it must not be unhandled.
    checked.catch(() => {});
    this.open.push(checked);
    while (this.open.length >= this.chunksInFlight) await this.emitHead();
  }

  private async emitHead(): Promise<void> {
    const head = this.open[0];
    if (head === undefined) return;
    const users = await head;
    this.open.shift();
    for (const synced of users) await this.onUser(synced);
  }

  private async check(chunk: UserFactors[]): Promise<SyncedUser[]> {
    const { store, key, tenant, order, jobId, full } = this.plan;
    const states = full
      ? undefined
      : await store.lookUp(
          tenant,
          chunk.map((user) => user.userId),
        );
    // The HMACs and the verdicts without an await per user; only the users to send wait, for their claims.
    const users = chunk.map((user): SyncedUser => {
      const hmac = methodSetHmac(key, user.userId, user.methods);
      const state = states?.get(user.userId);
      // The order names this job: only an earlier invocation of this very ingest can have applied it.
      if (state?.appliedOrder === order) {
        return { user, stamp: { tenant, hmac, order }, unchanged: false, appliedByThisFile: true };
      }
      const unchanged = states !== undefined && isUnchanged(state, hmac);
      return { user, stamp: { tenant, hmac, order }, unchanged };
    });
    const toSend = users.filter((synced) => !synced.unchanged && synced.appliedByThisFile !== true);
    const limit = pLimit(this.claimConcurrency);
    await Promise.all(
      toSend.map((synced) =>
        limit(async () => {
          if (!(await store.claimForSend(tenant, synced.user.userId, order, jobId))) {
            this.counts.claimedByNewer += 1;
          }
        }),
      ),
    );
    this.counts.users += users.length;
    this.counts.unchanged += users.length - toSend.length;
    return users;
  }
}
