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
  const inFlight = options.chunksInFlight ?? 8;
  // At most `inFlight` chunks read ahead of their lookups: the file is never held in memory.
  const pending: Promise<number>[] = [];
  let valid = 0;
  let unchanged = 0;
  let chunk: UserFactors[] = [];
  const check = async (members: UserFactors[]): Promise<number> => {
    const states = await sync.store.lookUp(
      sync.tenant,
      members.map((user) => user.userId),
    );
    return members.filter((user) =>
      isUnchanged(states.get(user.userId), methodSetHmac(sync.key, user.userId, user.methods)),
    ).length;
  };
  const submit = async (members: UserFactors[]) => {
    const checked = check(members);
    // A failed lookup fails the forecast when its turn comes; until then it must not be unhandled.
    checked.catch(() => {});
    pending.push(checked);
    if (pending.length >= inFlight) unchanged += await (pending.shift() as Promise<number>);
  };
  for await (const user of users) {
    valid += 1;
    chunk.push(user);
    if (chunk.length === BATCH_GET_LIMIT) {
      await submit(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await submit(chunk);
  for (const checked of pending.splice(0)) unchanged += await checked;
  return { valid, unchanged, toSend: valid - unchanged };
}
