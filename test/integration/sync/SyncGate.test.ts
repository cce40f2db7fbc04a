import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserFactors } from "../../../lib/factors/types.js";
import { countUnchanged } from "../../../lib/sync/countUnchanged.js";
import { methodSetHmac } from "../../../lib/sync/methodSetHmac.js";
import { type SyncedUser, SyncGate, type SyncPlan } from "../../../lib/sync/SyncGate.js";
import { SyncStateStore } from "../../../lib/sync/SyncStateStore.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";

const KEY = Buffer.alloc(32, 1);
const AT = "2026-12-01T12:00:00.000Z";
let jobs: TestJobsTable;
let store: SyncStateStore;
let tenantCounter = 0;

beforeAll(async () => {
  jobs = await startJobsTable();
  store = new SyncStateStore({ client: jobs.table.client, tableName: jobs.table.tableName });
});
afterAll(() => jobs.stop());

const user = (index: number, secret = "JBSWY3DPEHPK3PXP"): UserFactors => ({
  userId: `auth0|u${index}`,
  line: index + 2,
  methods: [{ type: "totp", totp_secret: secret }],
});

async function pass(users: UserFactors[], plan: SyncPlan): Promise<SyncedUser[]> {
  const seen: SyncedUser[] = [];
  const gate = new SyncGate(
    plan,
    async (synced) => {
      seen.push(synced);
    },
    { chunksInFlight: 3 },
  );
  for (const entry of users) await gate.add(entry);
  await gate.close();
  return seen;
}

/** What apply does after a 2xx for every user handed on as changed. */
async function applyAll(seen: SyncedUser[], jobId: string): Promise<void> {
  for (const { user: entry, stamp, unchanged } of seen) {
    if (!unchanged)
      await store.recordApplied(stamp.tenant, entry.userId, {
        hmac: stamp.hmac,
        order: stamp.order,
        jobId,
        at: AT,
      });
  }
}

describe("SyncGate", () => {
  it("hands on every user in file order, skips only those applied with the same methods, and claims the rest", async () => {
    const tenant = `gate-${++tenantCounter}`;
    const first = Array.from({ length: 450 }, (_, index) => user(index));
    const plan1: SyncPlan = { store, key: KEY, tenant, order: "001.0.j-1", jobId: "j-1" };
    const seen1 = await pass(first, plan1);
    expect(seen1.map((entry) => entry.user.userId)).toEqual(first.map((entry) => entry.userId));
    expect(seen1.filter((entry) => entry.unchanged)).toHaveLength(0);
    expect(seen1[7]?.stamp).toEqual({
      tenant,
      order: "001.0.j-1",
      hmac: methodSetHmac(KEY, "auth0|u7", first[7]?.methods ?? []),
    });
    await applyAll(seen1, "j-1");

    const second = first.map((entry, index) => (index % 100 === 3 ? user(index, "GEZDGNBVGY3TQOJQ") : entry));
    second.push(user(450), user(451));
    const seen2 = await pass(second, { ...plan1, order: "002.0.j-2", jobId: "j-2" });
    expect(seen2.map((entry) => entry.user.userId)).toEqual(second.map((entry) => entry.userId));
    expect(seen2.filter((entry) => !entry.unchanged).map((entry) => entry.user.userId)).toEqual([
      "auth0|u3",
      "auth0|u103",
      "auth0|u203",
      "auth0|u303",
      "auth0|u403",
      "auth0|u450",
      "auth0|u451",
    ]);
    expect((await store.get(tenant, "auth0|u3"))?.claimOrder).toBe("002.0.j-2");
    // An unchanged user is confirmed for the newer order (claim and applied order), its applying job kept.
    expect(await store.get(tenant, "auth0|u4")).toMatchObject({
      claimOrder: "002.0.j-2",
      appliedOrder: "002.0.j-2",
      claimJob: "j-2",
      appliedJob: "j-1",
    });
    // An older file's pass then finds every user newer: none is unchanged, every claim refused.
    const gate = new SyncGate({ ...plan1, order: "001.5.j-older", jobId: "j-older" }, async () => {});
    for (const entry of second) await gate.add(entry);
    await gate.close();
    expect(gate.counts).toEqual({
      users: 452,
      unchanged: 0,
      claimedByNewer: 452,
      unconfirmed: 0,
      released: 0,
    });
  });

  it("sends a user that looked unchanged when its state moved before the confirmation", async () => {
    const tenant = `gate-${++tenantCounter}`;
    const entry = user(1);
    const seen1 = await pass([entry], { store, key: KEY, tenant, order: "001.0.j-1", jobId: "j-1" });
    await applyAll(seen1, "j-1");
    // The lookup sees the applied state; a claim of another file lands between the lookup and the write.
    const racing = new SyncStateStore({ client: jobs.table.client, tableName: jobs.table.tableName });
    const lookUp = racing.lookUp.bind(racing);
    racing.lookUp = async (t, ids) => {
      const states = await lookUp(t, ids);
      await store.claimForSend(tenant, entry.userId, "002.0.j-2", "j-2");
      return states;
    };
    const gate = new SyncGate(
      { store: racing, key: KEY, tenant, order: "003.0.j-3", jobId: "j-3" },
      async () => {},
    );
    await gate.add(entry);
    await gate.close();
    expect(gate.counts).toEqual({ users: 1, unchanged: 0, claimedByNewer: 0, unconfirmed: 1, released: 0 });
    expect((await store.get(tenant, entry.userId))?.claimOrder).toBe("003.0.j-3");
  });

  it("sends everyone on a full sync", async () => {
    const tenant = `gate-${++tenantCounter}`;
    const users = Array.from({ length: 120 }, (_, index) => user(index));
    const plan: SyncPlan = { store, key: KEY, tenant, order: "001.0.j-1", jobId: "j-1" };
    await applyAll(await pass(users, plan), "j-1");
    const full = await pass(users, { ...plan, order: "002.0.j-2", jobId: "j-2", full: true });
    expect(full.filter((entry) => entry.unchanged)).toHaveLength(0);
    expect(full).toHaveLength(120);
  });

  it("forecasts, without claiming, exactly what the gate will skip, over more chunks than it keeps in flight", async () => {
    const tenant = `gate-${++tenantCounter}`;
    const users = Array.from({ length: 1_050 }, (_, index) => user(index));
    const plan: SyncPlan = { store, key: KEY, tenant, order: "001.0.j-1", jobId: "j-1" };
    // Every user but each seventh applied.
    await applyAll(
      (await pass(users, plan)).filter((_, index) => index % 7 !== 0),
      "j-1",
    );
    async function* valid() {
      yield* users;
    }
    const forecast = await countUnchanged(valid(), { store, key: KEY, tenant }, { chunksInFlight: 2 });
    expect(forecast).toEqual({ valid: 1_050, unchanged: 900, toSend: 150 });
    // The forecast claimed nothing: a user left out is still only the first job's claim.
    expect((await store.get(tenant, "auth0|u7"))?.claimOrder).toBe("001.0.j-1");
  });

  it("marks users this very file's methods were already applied to (an ingest invocation that died sent them): not sent, not unchanged", async () => {
    const tenant = `gate-${++tenantCounter}`;
    const users = Array.from({ length: 120 }, (_, index) => user(index));
    const plan: SyncPlan = { store, key: KEY, tenant, order: "005.0.j-5", jobId: "j-5" };
    // The first invocation sent the first 50, and apply applied them.
    await applyAll(await pass(users.slice(0, 50), plan), "j-5");
    // The invocation that takes its checkpoint over reads them again.
    const again = await pass(users, plan);
    expect(again.filter((entry) => entry.appliedByThisFile).map((entry) => entry.user.userId)).toEqual(
      users.slice(0, 50).map((entry) => entry.userId),
    );
    expect(again.filter((entry) => entry.unchanged)).toEqual([]);
    // Another file with the same methods finds them unchanged, as before.
    const other: SyncPlan = { ...plan, order: "006.0.j-6", jobId: "j-6" };
    const next = await pass(users.slice(0, 50), other);
    expect(next.every((entry) => entry.unchanged && entry.appliedByThisFile === undefined)).toBe(true);
  });
});
