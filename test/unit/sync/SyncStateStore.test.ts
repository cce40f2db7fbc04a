import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { SyncStateStoreOptionsError } from "../../../lib/sync/errors.js";
import { SyncStateStore } from "../../../lib/sync/SyncStateStore.js";

describe("SyncStateStore options", () => {
  it.each([0, 1.5, -2])(
    "refuses lookupConcurrency %s with a SyncStateStoreOptionsError naming it",
    (value) => {
      const client = new DynamoDBClient({ region: "eu-west-1" });
      let thrown: unknown;
      try {
        new SyncStateStore({ client, tableName: "jobs", lookupConcurrency: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SyncStateStoreOptionsError);
      expect(thrown).toMatchObject({ option: "lookupConcurrency", name: "SyncStateStoreOptionsError" });
    },
  );
});
