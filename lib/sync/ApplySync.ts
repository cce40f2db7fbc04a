import type { Logger } from "../logging/Logger.js";
import type { UserFactorsMessage } from "../messages/UserFactorsMessage.js";
import type { SyncStateStore } from "./SyncStateStore.js";
import type { PutClaim } from "./types.js";

/** Options of {@link ApplySync}. */
export interface ApplySyncOptions {
  logger: Logger;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Added to a PUT lease beyond the invocation's remaining time (clocks of two invocations differ). @default 5000 */
  leaseMarginMs?: number;
  /** How long a record waits when another record's PUT of the same user is in flight. @default 5 */
  busyDelaySeconds?: number;
  /**
   * The tenant the state is kept under (`tenantId` of `AUTH0_DOMAIN`): after a 2xx of a message without a sync
   * stamp, the user's HMAC is removed there. @default none (such a PUT is not seen by the state)
   */
  tenant?: string;
}

/**
 * Apply's side of the sync state: before the PUT, claims the user for the record's file order (an older file's
 * record ends `superseded`, a record behind another's PUT in flight waits); after the PUT, a 2xx writes the
 * user's state (the HMAC the message carries: apply holds no key), anything else ends the lease and leaves the
 * claim. A message without a sync stamp (ingest ran without a state) is applied as it is, and after its 2xx the
 * user's HMAC is removed (given the tenant), so the next sync sends the user.
 *
 * @example
 * const claim = await sync.claim(message, remainingTimeMs());
 * if (claim === "superseded") return { kind: "superseded", userId, line };
 * const decision = await put(message);
 * await sync.afterPut(message, claim, decision.kind === "applied");
 */
export class ApplySync {
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly leaseMarginMs: number;
  private readonly tenant: string | undefined;
  public readonly busyDelaySeconds: number;

  public constructor(
    private readonly store: SyncStateStore,
    options: ApplySyncOptions,
  ) {
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    this.leaseMarginMs = options.leaseMarginMs ?? 5000;
    this.busyDelaySeconds = options.busyDelaySeconds ?? 5;
    this.tenant = options.tenant;
  }

  /**
   * Claims the user for this record's PUT, with a lease for the rest of the invocation (no PUT of it can be in
   * flight later). `untracked`: the message has no sync stamp.
   */
  public async claim(message: UserFactorsMessage, remainingTimeMs: number): Promise<PutClaim | "untracked"> {
    const sync = message.sync;
    if (sync === undefined) return "untracked";
    return this.store.claimForPut(sync.tenant, message.userId, {
      order: sync.order,
      jobId: message.source.jobId ?? "",
      nowMs: this.clock(),
      leaseMs: Math.max(0, remainingTimeMs) + this.leaseMarginMs,
    });
  }

  /**
   * After a 2xx of a message without a sync stamp (ingest ran without the state): the user's HMAC is removed in
   * the tenant, so the next sync sends it. Never throws (a failure is logged: the next sync may then wrongly
   * skip the user, so it is a warning).
   */
  public async afterUnstampedPut(message: UserFactorsMessage): Promise<void> {
    if (message.sync !== undefined || this.tenant === undefined) return;
    try {
      await this.store.forgetApplied(this.tenant, message.userId);
    } catch (error) {
      this.logger.warn(
        {
          userId: message.userId,
          jobId: message.source.jobId,
          error: error instanceof Error ? error.name : "unknown",
        },
        "could not clear the sync state after an unstamped PUT: the next sync may skip this user",
      );
    }
  }

  /**
   * After the PUT of a claimed record: the state on a 2xx, the lease released otherwise. Never throws: a state
   * not written costs one PUT on the next sync (the user is then not `unchanged`), never a wrong skip.
   */
  public async afterPut(message: UserFactorsMessage, applied: boolean): Promise<void> {
    const sync = message.sync;
    if (sync === undefined) return;
    try {
      if (applied) {
        const written = await this.store.recordApplied(sync.tenant, message.userId, {
          hmac: sync.hmac,
          order: sync.order,
          jobId: message.source.jobId ?? "",
          at: new Date(this.clock()).toISOString(),
        });
        if (!written) {
          this.logger.warn(
            { userId: message.userId, jobId: message.source.jobId },
            "sync state not written: a newer file's record took the user over",
          );
        }
      } else {
        await this.store.releasePut(sync.tenant, message.userId, sync.order);
      }
    } catch (error) {
      this.logger.warn(
        {
          userId: message.userId,
          jobId: message.source.jobId,
          error: error instanceof Error ? error.name : "unknown",
        },
        applied ? "could not write the sync state" : "could not release the PUT lease",
      );
    }
  }
}
