import pLimit from "p-limit";
import type { UserFactors } from "../factors/types.js";
import { methodSetHmac } from "./methodSetHmac.js";
import { BATCH_GET_LIMIT, isUnchanged, type SyncStateStore } from "./SyncStateStore.js";
import type { SendClaim, SyncStamp } from "./types.js";

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
  /** The same methods were last applied by this tool, no other job's claim is open, and this file's order is recorded: not sent. */
  unchanged: boolean;
  /** The claim made for sending the user (none: unchanged, or a newer file's claim refused it). */
  claim?: SendClaim;
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
  /** Conditional writes (claims and confirmations, UpdateItem) in flight within one chunk. @default 25 */
  claimConcurrency?: number;
}

/**
 * Ingest's pass 2 through the sync state: users go in, in file order, and come out in the same order to
 * `onUser`, each marked `unchanged` or not. Users are looked up 100 at a time (one BatchGetItem), several chunks
 * in flight; every user is then written for this file's order (an unchanged user confirmed, every other one
 * claimed), so that an older file's records still in the queue, or still to be ingested, end `superseded`. `add` waits (backpressure) while `chunksInFlight` chunks are open.
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
  /**
   * Users seen so far; how many were unchanged (confirmed); how many claims a newer file's claim refused; how many
   * looked unchanged but whose state moved before the confirmation (sent); how many claims were given back
   * (claimed, then not sent).
   */
  public readonly counts = { users: 0, unchanged: 0, claimedByNewer: 0, unconfirmed: 0, released: 0 };

  public constructor(
    private readonly plan: SyncPlan,
    /** Resolves to `false` when the user was not sent after all (its claim is then given back). */
    private readonly onUser: (user: SyncedUser) => Promise<unknown>,
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

  /**
   * Stops the gate without handing on the users still in it (the file stopped): the claims made for them are
   * given back (see {@link SyncStateStore.releaseSendClaim}). Never throws; chunks whose checks failed are skipped.
   */
  public async abort(): Promise<void> {
    this.buffer = [];
    const open = this.open.splice(0);
    for (const chunk of open) {
      const users = await chunk.catch(() => [] as SyncedUser[]);
      await this.release(users);
    }
  }

  private async emitHead(): Promise<void> {
    const head = this.open[0];
    if (head === undefined) return;
    const users = await head;
    this.open.shift();
    const unsent: SyncedUser[] = [];
    for (const synced of users) {
      // `false`: the user was not sent after all (the job was cancelled): its claim is given back.
      if ((await this.onUser(synced)) === false && synced.claim !== undefined) unsent.push(synced);
    }
    await this.release(unsent);
  }

  private async release(users: readonly SyncedUser[]): Promise<void> {
    const { store, tenant } = this.plan;
    const limit = pLimit(this.claimConcurrency);
    const claimed = users.filter((synced) => synced.claim !== undefined);
    await Promise.all(
      claimed.map((synced) =>
        limit(async () => {
          const claim = synced.claim as SendClaim;
          // A claim not given back only makes an older file's record end superseded: logged by no one, not fatal.
          if (await store.releaseSendClaim(tenant, synced.user.userId, claim).catch(() => false)) {
            this.counts.released += 1;
          }
        }),
      ),
    );
  }

  private async check(chunk: UserFactors[]): Promise<SyncedUser[]> {
    const { store, key, tenant, order, jobId, full } = this.plan;
    const states = full
      ? undefined
      : await store.lookUp(
          tenant,
          chunk.map((user) => user.userId),
        );
    // The HMACs and the lookup's verdicts without an await per user; then one conditional write per user, all
    // of the chunk's in flight (up to `claimConcurrency`): the unchanged are confirmed for this file's order, the
    // rest claimed. A confirmation that fails (the state moved since the lookup) makes the user one to send.
    const users = chunk.map((user): SyncedUser => {
      const hmac = methodSetHmac(key, user.userId, user.methods);
      const state = states?.get(user.userId);
      // Applied (a 2xx, not a confirmation) for this file's order by this job: only an earlier invocation of this
      // very ingest can have sent it. A user this job confirmed unchanged earlier keeps `appliedJob` of the job
      // that applied it, and is unchanged again below.
      if (state?.appliedOrder === order && state.appliedJob === jobId) {
        return { user, stamp: { tenant, hmac, order }, unchanged: false, appliedByThisFile: true };
      }
      const unchanged = states !== undefined && isUnchanged(state, hmac, order);
      return { user, stamp: { tenant, hmac, order }, unchanged };
    });
    const limit = pLimit(this.claimConcurrency);
    const claim = async (synced: SyncedUser): Promise<void> => {
      const made = await store.claimToSend(tenant, synced.user.userId, order, jobId);
      if (made === undefined) this.counts.claimedByNewer += 1;
      else synced.claim = made;
    };
    await Promise.all(
      users.map((synced) =>
        limit(async () => {
          if (synced.appliedByThisFile === true) return;
          if (synced.unchanged) {
            const confirmed = await store.confirmUnchanged(tenant, synced.user.userId, {
              hmac: synced.stamp.hmac,
              order,
              jobId,
            });
            if (confirmed) return;
            synced.unchanged = false;
            this.counts.unconfirmed += 1;
          }
          await claim(synced);
        }),
      ),
    );
    const unchanged = users.filter((synced) => synced.unchanged).length;
    this.counts.users += users.length;
    this.counts.unchanged += unchanged;
    return users;
  }
}
