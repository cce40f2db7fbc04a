import { BatchGetItemCommand, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncLookupError } from "../../../lib/sync/errors.js";
import { isUnchanged, SyncStateStore } from "../../../lib/sync/SyncStateStore.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";

const AT = "2026-12-01T12:00:00.000Z";
const OLD = "001000000000000.0.j-old";
const NEW = "002000000000000.0.j-new";
const NOW = 1_000_000;
let jobs: TestJobsTable;
let store: SyncStateStore;
let tenantCounter = 0;
const freshTenant = () => `tenant-${++tenantCounter}.eu.auth0.com`;

beforeAll(async () => {
  jobs = await startJobsTable();
  store = new SyncStateStore({ client: jobs.table.client, tableName: jobs.table.tableName });
});
afterAll(() => jobs.stop());

describe("SyncStateStore", () => {
  it("looks up 250 users in three BatchGetItem calls and finds exactly those with a state", async () => {
    const tenant = freshTenant();
    const ids = Array.from({ length: 250 }, (_, index) => `auth0|u${index}`);
    for (const id of ids.filter((_, index) => index % 5 === 0)) {
      await store.recordApplied(tenant, id, { hmac: `h-${id}`, order: OLD, jobId: "j-old", at: AT });
    }
    let calls = 0;
    const client = countingClient(jobs.table.client, () => {
      calls += 1;
    });
    const counted = new SyncStateStore({ client, tableName: jobs.table.tableName, lookupConcurrency: 3 });
    const states = await counted.lookUp(tenant, ids);
    expect(calls).toBe(3);
    expect([...states.keys()].sort()).toEqual(ids.filter((_, index) => index % 5 === 0).sort());
    expect(states.get("auth0|u5")).toEqual({
      hmac: "h-auth0|u5",
      appliedOrder: OLD,
      appliedJob: "j-old",
      appliedAt: AT,
    });
  });

  it("retries UnprocessedKeys until every key is answered", async () => {
    const tenant = freshTenant();
    await store.recordApplied(tenant, "auth0|x", { hmac: "hx", order: OLD, jobId: "j-old", at: AT });
    await store.recordApplied(tenant, "auth0|y", { hmac: "hy", order: OLD, jobId: "j-old", at: AT });
    const client = unprocessingClient(jobs.table.client, 2);
    const slept: number[] = [];
    const flaky = new SyncStateStore({
      client,
      tableName: jobs.table.tableName,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    const states = await flaky.lookUp(tenant, ["auth0|x", "auth0|y"]);
    expect([...states.keys()].sort()).toEqual(["auth0|x", "auth0|y"]);
    expect(slept).toHaveLength(2);
  });

  it("fails with SyncLookupError when keys stay unprocessed", async () => {
    const client = unprocessingClient(jobs.table.client, 100);
    const stuck = new SyncStateStore({
      client,
      tableName: jobs.table.tableName,
      maxUnprocessedRounds: 3,
      sleep: async () => {},
    });
    await expect(stuck.lookUp(freshTenant(), ["auth0|x"])).rejects.toBeInstanceOf(SyncLookupError);
  });

  it("keeps each tenant's state apart", async () => {
    const a = freshTenant();
    const b = freshTenant();
    await store.recordApplied(a, "auth0|same", { hmac: "ha", order: OLD, jobId: "j-old", at: AT });
    expect((await store.lookUp(b, ["auth0|same"])).size).toBe(0);
    expect((await store.lookUp(a, ["auth0|same"])).get("auth0|same")?.hmac).toBe("ha");
  });

  it("supersedes an older file's PUT claim once a newer file has claimed the user at ingest", async () => {
    const tenant = freshTenant();
    expect(await store.claimForSend(tenant, "auth0|u", OLD, "j-old")).toBe(true);
    expect(await store.claimForSend(tenant, "auth0|u", NEW, "j-new")).toBe(true);
    expect(await store.claimForSend(tenant, "auth0|u", OLD, "j-old")).toBe(false);
    const claim = { order: OLD, jobId: "j-old", nowMs: NOW, leaseMs: 60_000 };
    expect(await store.claimForPut(tenant, "auth0|u", claim)).toBe("superseded");
    expect(await store.claimForPut(tenant, "auth0|u", { ...claim, order: NEW, jobId: "j-new" })).toBe(
      "claimed",
    );
    expect(
      await store.recordApplied(tenant, "auth0|u", { hmac: "hn", order: NEW, jobId: "j-new", at: AT }),
    ).toBe(true);
    expect(await store.get(tenant, "auth0|u")).toEqual({
      hmac: "hn",
      appliedOrder: NEW,
      appliedJob: "j-new",
      appliedAt: AT,
      claimOrder: NEW,
      claimJob: "j-new",
    });
    expect(await store.claimForPut(tenant, "auth0|u", claim)).toBe("superseded");
  });

  it("makes a newer record wait while an older record's PUT holds its lease, and lets it in after", async () => {
    const tenant = freshTenant();
    const older = { order: OLD, jobId: "j-old", nowMs: NOW, leaseMs: 60_000 };
    const newer = { order: NEW, jobId: "j-new", nowMs: NOW + 1000, leaseMs: 60_000 };
    expect(await store.claimForPut(tenant, "auth0|u", older)).toBe("claimed");
    expect(await store.claimForPut(tenant, "auth0|u", newer)).toBe("busy");
    await store.releasePut(tenant, "auth0|u", OLD);
    expect(await store.claimForPut(tenant, "auth0|u", newer)).toBe("claimed");
    // The older record's PUT failed and left its claim; the newer one's success is the state.
    expect(
      await store.recordApplied(tenant, "auth0|u", { hmac: "hn", order: NEW, jobId: "j-new", at: AT }),
    ).toBe(true);
    expect(
      await store.recordApplied(tenant, "auth0|u", { hmac: "ho", order: OLD, jobId: "j-old", at: AT }),
    ).toBe(false);
    expect((await store.get(tenant, "auth0|u"))?.hmac).toBe("hn");
  });

  it("lets a newer record in once an older lease has expired (a crashed invocation)", async () => {
    const tenant = freshTenant();
    await store.claimForPut(tenant, "auth0|u", { order: OLD, jobId: "j-old", nowMs: NOW, leaseMs: 1000 });
    expect(
      await store.claimForPut(tenant, "auth0|u", {
        order: NEW,
        jobId: "j-new",
        nowMs: NOW + 1001,
        leaseMs: 1000,
      }),
    ).toBe("claimed");
  });

  it("leaves the claim after a failed PUT, so the user is not unchanged", async () => {
    const tenant = freshTenant();
    await store.claimForPut(tenant, "auth0|u", { order: OLD, jobId: "j-old", nowMs: NOW, leaseMs: 1000 });
    await store.recordApplied(tenant, "auth0|u", { hmac: "h1", order: OLD, jobId: "j-old", at: AT });
    expect(isUnchanged(await store.get(tenant, "auth0|u"), "h1")).toBe(true);
    await store.claimForPut(tenant, "auth0|u", { order: NEW, jobId: "j-new", nowMs: NOW, leaseMs: 1000 });
    await store.releasePut(tenant, "auth0|u", NEW);
    const state = await store.get(tenant, "auth0|u");
    expect(state).toEqual({
      hmac: "h1",
      appliedOrder: OLD,
      appliedJob: "j-old",
      appliedAt: AT,
      claimOrder: NEW,
      claimJob: "j-new",
    });
    expect(isUnchanged(state, "h1")).toBe(false);
  });

  it("stores no factor value: only keys, orders, job ids, times and the HMAC", async () => {
    const result = await jobs.table.client.send(new ScanCommand({ TableName: jobs.table.tableName }));
    const names = new Set(
      (result.Items ?? [])
        .filter((item) => item.pk?.S?.startsWith("SYNC#"))
        .flatMap((item) => Object.keys(item)),
    );
    expect([...names].sort()).toEqual(
      [
        "appliedAt",
        "appliedJob",
        "appliedOrder",
        "claimJob",
        "claimOrder",
        "hmac",
        "pk",
        "putOrder",
        "putUntil",
        "sk",
      ].sort(),
    );
  });
});

/** The same dynalite, counting BatchGetItem calls. */
function countingClient(client: DynamoDBClient, onBatchGet: () => void): DynamoDBClient {
  return {
    send: (command: unknown) => {
      if (command instanceof BatchGetItemCommand) onBatchGet();
      return client.send(command as BatchGetItemCommand);
    },
  } as unknown as DynamoDBClient;
}

/** The same dynalite, answering the first `rounds` BatchGetItem calls with every key unprocessed. */
function unprocessingClient(client: DynamoDBClient, rounds: number): DynamoDBClient {
  let left = rounds;
  return {
    send: async (command: unknown) => {
      if (command instanceof BatchGetItemCommand && left > 0) {
        left -= 1;
        return { Responses: {}, UnprocessedKeys: command.input.RequestItems };
      }
      return client.send(command as BatchGetItemCommand);
    },
  } as unknown as DynamoDBClient;
}
