import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchGetItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobsTable } from "../../../lib/jobs/createJobsTable.js";
import { type LocalJobsTable, openLocalJobsTable } from "../../../lib/local/LocalAws.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "factor-sync-dynalite-thread-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = (id: string) => ({ pk: { S: `SYNC#t#${id}` }, sk: { S: "STATE" } });

describe("dynalite on its own thread, with the table's description kept for item operations", () => {
  it("serves items, forgets a deleted table at once, and keeps the data on disk across restarts", async () => {
    const stateDir = join(dir, "state");
    let table: LocalJobsTable = await openLocalJobsTable(stateDir, { shared: false });
    const { tableName } = table;
    try {
      await table.client.send(
        new PutItemCommand({ TableName: tableName, Item: { ...key("a"), hmac: { S: "h" } } }),
      );
      const got = await table.client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: [key("a"), key("b")] } } }),
      );
      expect(got.Responses?.[tableName]).toEqual([{ ...key("a"), hmac: { S: "h" } }]);
      expect(table.utilization?.().utilization).toBeGreaterThan(0);
      // dynalite 4.0.0 (the pinned version): the description cache is on, and said so.
      expect(table.tableCache).toBe(true);

      // The description was cached by the item operations above: a delete must still be seen by the next one.
      await table.client.send(new DeleteTableCommand({ TableName: tableName }));
      await expect(
        table.client.send(new GetItemCommand({ TableName: tableName, Key: key("a") })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);

      // A new table of the same name starts empty.
      await createJobsTable(table.client, tableName);
      const fresh = await table.client.send(new GetItemCommand({ TableName: tableName, Key: key("a") }));
      expect(fresh.Item).toBeUndefined();
      await table.client.send(
        new PutItemCommand({ TableName: tableName, Item: { ...key("c"), hmac: { S: "k" } } }),
      );
    } finally {
      await table.stop();
    }

    // The thread closed LevelDB: another opening of the folder finds the item.
    table = await openLocalJobsTable(stateDir, { shared: false });
    try {
      const described = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(described.Table?.TableStatus).toBe("ACTIVE");
      const kept = await table.client.send(new GetItemCommand({ TableName: tableName, Key: key("c") }));
      expect(kept.Item).toEqual({ ...key("c"), hmac: { S: "k" } });
    } finally {
      await table.stop();
    }
  });
});
