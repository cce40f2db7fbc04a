import pLimit from "p-limit";
import type { UserFactors } from "../factors/types.js";
import { methodSetHmac } from "./methodSetHmac.js";
import { BATCH_GET_LIMIT, isUnchanged, type SyncStateStore } from "./SyncStateStore.js";

/** How many of a file's valid users the sync state would skip. */
export interface SyncForecast {
  valid: number;
  /** Already applied by this tool with these methods (and no other job's claim open). */
  unchanged: number;
  /** valid − unchanged. */
  toSend: number;
}

/**
 * Counts, without claiming or sending anything, the users the sync state would skip: what `run` says before it
 * starts ("412 of 600 users already applied with these factors; 188 to send"). Lookups as in ingest's pass 2.
 *
 * @example
 * const { unchanged, toSend } = await countUnchanged(validUsers, { store, key, tenant });
 */
export async function countUnchanged(
  users: AsyncIterable<UserFactors>,
  sync: { store: SyncStateStore; key: Uint8Array; tenant: string },
  options: { chunksInFlight?: number } = {},
): Promise<SyncForecast> {
  const limit = pLimit(options.chunksInFlight ?? 8);
  const checks: Promise<number>[] = [];
  let valid = 0;
  let chunk: UserFactors[] = [];
  const check = (members: UserFactors[]) =>
    limit(async () => {
      const states = await sync.store.lookUp(
        sync.tenant,
        members.map((user) => user.userId),
      );
      return members.filter((user) =>
        isUnchanged(states.get(user.userId), methodSetHmac(sync.key, user.userId, user.methods)),
      ).length;
    });
  for await (const user of users) {
    valid += 1;
    chunk.push(user);
    if (chunk.length === BATCH_GET_LIMIT) {
      checks.push(check(chunk));
      chunk = [];
    }
  }
  if (chunk.length > 0) checks.push(check(chunk));
  const unchanged = (await Promise.all(checks)).reduce((sum, count) => sum + count, 0);
  return { valid, unchanged, toSend: valid - unchanged };
}
