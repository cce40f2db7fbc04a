import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SyncKeyError } from "../../../lib/sync/errors.js";
import { LOCAL_SYNC_KEY_FILE, localSyncKey } from "../../../lib/sync/syncKey.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "factor-sync-key-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("localSyncKey", () => {
  it("creates a random key once, mode 0600, and reads the same key back later", async () => {
    const first = await localSyncKey(dir);
    const path = join(dir, LOCAL_SYNC_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(first).toString("utf8")).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(await localSyncKey(dir)).equals(Buffer.from(first))).toBe(true);
    const other = await mkdtemp(join(tmpdir(), "factor-sync-key-"));
    try {
      expect(Buffer.from(await localSyncKey(other)).equals(Buffer.from(first))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("puts a widened mode back to 0600", async () => {
    await localSyncKey(dir);
    const path = join(dir, LOCAL_SYNC_KEY_FILE);
    await chmod(path, 0o644);
    await localSyncKey(dir);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("refuses a key file that is too short, without quoting it", async () => {
    await writeFile(join(dir, LOCAL_SYNC_KEY_FILE), "k3yQz\n", { mode: 0o600 });
    const error = await localSyncKey(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SyncKeyError);
    expect((error as Error).message).not.toContain("k3yQz");
    expect(await readFile(join(dir, LOCAL_SYNC_KEY_FILE), "utf8")).toBe("k3yQz\n");
  });
});
